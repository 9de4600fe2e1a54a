"""The deadline engine: a goal's prazo (its schedule) turned into periods and due dates.

Pure: no database, no Flask. ``engine`` holds the schedule kinds and their rules.
"""
