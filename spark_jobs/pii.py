"""Caller privacy: keyed pseudonyms (HMAC-SHA256, RFC 2104 in column math) and scrubbing of free text."""

from __future__ import annotations

import hashlib
import hmac

from pyspark.sql import Column
from pyspark.sql import functions as F

BLOCK = 64  # SHA-256 block size in bytes
# A mainland mobile number standing alone, as the privacy scan and the GX suites look for it: not 11 digits
# inside a longer number (a 17-digit case number, a decimal, a hex id).
PHONE_PATTERN = r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])"
# Digits may be split by spaces or dashes, and prefixed with +86 / 86.
_MOBILE = r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"
_LANDLINE = r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
_ID_CARD = r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"
PHONE_MASK, ID_MASK, NAME_MASK = "[电话]", "[身份证]", "某某"
# A name right after words that introduce the caller (110 texts carry no name field to match on).
_SELF_NAMED = r"(报警人|来电人|反映人|投诉人|举报人|联系人|当事人|我叫|本人叫|姓名[:：]?)[\u4e00-\u9fa5]{2,3}"


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sha256(message: Column, key: bytes) -> Column:
    """HMAC-SHA256 hex digest of a string column, exactly per RFC 2104 (null stays null)."""
    ipad, opad = _pads(key)
    inner = F.unhex(F.sha2(F.concat(F.lit(bytearray(ipad)), message.cast("binary")), 256))
    return F.sha2(F.concat(F.lit(bytearray(opad)), inner), 256)


def caller_identity(phone: Column, name: Column) -> Column:
    """What identifies a caller: the normalised phone number, else the name; null when neither is given."""
    digits = F.regexp_replace(F.coalesce(phone, F.lit("")), r"\D", "")
    digits = F.regexp_replace(digits, r"^(?:0086|86)(?=1[3-9]\d{9}$)", "")
    nm = F.trim(F.coalesce(name, F.lit("")))
    return (F.when(digits != "", F.concat(F.lit("tel:"), digits))
            .when(nm != "", F.concat(F.lit("name:"), nm)))


def caller_token(phone: Column, name: Column, key: bytes) -> Column:
    """Keyed pseudonym of a caller: repeat callers stay linkable, the identity does not leave."""
    return hmac_sha256(caller_identity(phone, name), key)


def caller_token_py(phone: str | None, name: str | None, key: bytes) -> str | None:
    """Python twin of caller_token (same normalisation), for checks and small tools."""
    import re

    digits = re.sub(r"\D", "", phone or "")
    digits = re.sub(r"^(?:0086|86)(?=1[3-9]\d{9}$)", "", digits)
    nm = (name or "").strip()
    ident = f"tel:{digits}" if digits else (f"name:{nm}" if nm else None)
    if ident is None:
        return None
    return hmac.new(key, ident.encode("utf-8"), hashlib.sha256).hexdigest()


def scrub_text(text: Column, *names: Column) -> Column:
    """Free text without ID-card numbers, phone numbers or the given names (each replaced by a mask)."""
    out = F.regexp_replace(text, _ID_CARD, ID_MASK)
    out = F.regexp_replace(out, _MOBILE, PHONE_MASK)
    out = F.regexp_replace(out, _LANDLINE, PHONE_MASK)
    out = F.regexp_replace(out, _SELF_NAMED, "$1" + NAME_MASK)
    for name in names:
        nm = F.trim(name)
        # A one-character "name" would erase ordinary words: only names of two or more characters.
        out = F.when(F.length(nm) >= 2, F.replace(out, nm, F.lit(NAME_MASK))).otherwise(out)
    return out


def scrub_text_py(text: str | None, *names: str | None) -> str | None:
    """Python twin of scrub_text (same patterns and masks)."""
    import re

    if text is None:
        return None
    out = re.sub(_ID_CARD, ID_MASK, text)
    out = re.sub(_MOBILE, PHONE_MASK, out)
    out = re.sub(_LANDLINE, PHONE_MASK, out)
    out = re.sub(_SELF_NAMED, r"\1" + NAME_MASK, out)
    for name in names:
        nm = (name or "").strip()
        if len(nm) >= 2:
            out = out.replace(nm, NAME_MASK)
    return out
