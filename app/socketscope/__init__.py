"""SocketScope: watch real socket calls block, connect and move bytes."""

__version__ = "0.1.0"
