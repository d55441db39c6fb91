#!/usr/bin/env bash
# Install headless Chromium + ChromeDriver (page tests, PDF lists) and a CJK font, if missing and possible.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} ..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || echo "warning: could not install ${need[*]}; browser tests will be skipped" >&2
else
  echo "warning: ${need[*]} missing and cannot be installed here (need root + apt-get); browser tests will be skipped" >&2
fi
exit 0
