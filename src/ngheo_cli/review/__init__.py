"""The year-end review: last year's list against this year's. Pure: frames in, frames out.

lists.py     a year's list of households (from a roster, a classified survey or a column)
wards.py     placing last year's households in today's wards (renamed and merged wards)
movements.py following each household across the years: thoát, tái, phát sinh, ...
table.py     the transition table in the layout of the official report
targets.py   the plan's targets (a YAML file) checked per ward and in total
"""
