"""Gold layer: grid x week counts, the causal cell universe and the forecast feature panel."""
