"""The platform-neutral heart of the bot: lessons, search and commands (stdlib + pyyaml only)."""
