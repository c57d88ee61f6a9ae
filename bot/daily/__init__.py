"""Tip of the day: fire times per subscription (schedule.py), the scheduler and the fan-out."""
