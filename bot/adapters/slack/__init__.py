"""The Slack adapter: bolt's AsyncApp over Socket Mode or signed HTTP requests."""
