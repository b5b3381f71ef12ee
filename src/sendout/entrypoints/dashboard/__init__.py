"""The Distribution Manager: the dashboard, server-rendered, on top of the services."""
