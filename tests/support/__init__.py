"""What tests share that is neither a fixture nor a fake platform.

`paths` (the checkout and ../shared), `ports` (a free loopback port), `databases` (which databases
the suite runs on), `clock` (the one fake clock), `waiting` (`eventually()`, the one way to wait
for something to happen) and `processes` (`mltip run` and worker processes). Fixtures stay in
the conftest.py files; the fake Slack and Discord are in tests/fakes/.
"""
