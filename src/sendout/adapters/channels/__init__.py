"""Channel transports behind the ``ChannelSender`` protocol."""
