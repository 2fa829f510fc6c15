"""`make bench`: our stack side by side with the reference monolith and nginx (the physical limit).

One target runs at a time (targets: ours.py, reference.py, nginx.py), each measured with the same cases
(cases.py) by the same load tools (wrk.py, hey.py, curl.py); report.py prints the hot-path table with
the ratios and writes the raw figures, plots.py draws them. Entry point: `python -m bench` (__main__.py).
"""
