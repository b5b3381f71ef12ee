"""Pure domain: standard library only, no I/O, no clock or randomness of its own."""
