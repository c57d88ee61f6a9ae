"""mltip: machine-learning career advice, one lesson at a time, in Slack, Discord and the console."""

__version__ = "0.1.0"
