"""Helpers shared by test modules (builders of projects, campaigns, programs; servers; API
calls), each module by kind: a test module imports them from here, never from another test
module. Fixtures shared by a folder stay in its conftest."""
