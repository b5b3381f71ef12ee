"""The send-out pipeline: distributions, dispatch (events into send-outs), delivery, and what
watches it."""
