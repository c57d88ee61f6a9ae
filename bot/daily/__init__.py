"""Tip of the day, module by module.

arguments.py   what people type after /mltip daily: times, days, zones, topics
zones.py       which IANA zones a schedule may name; suggestions and completion
fire_times.py  when a subscription fires, through DST (pure)
clock.py       the injected clock
service.py     carrying out /mltip daily ... on the store
wording.py     every sentence people read about it
scheduler.py   the tick (recover, plan, expire, deliver) and APScheduler's wake-ups
fanout.py      posting claims, lanes.py one lane per workspace, pacing.py the rate limits
"""
