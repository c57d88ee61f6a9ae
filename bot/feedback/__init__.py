"""Feedback: votes on lessons, the questions nobody answers, and what admins and editors see of them.

    service.py   FeedbackService: the FeedbackHandler the core hands votes, refusals and `/mltip stats` to
    stats.py     the `/mltip stats` reply for one workspace or guild
    report.py    `mltip report`: every workspace, for whoever edits the content
    key.py       the key voters' pseudonyms are made with (MLTIP_SECRET_KEY, or one kept in the data dir)

It sits beside bot/daily/: adapters and the runner use it, and it uses the store and the core.
"""
