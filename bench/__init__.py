"""The benchmark (issue 11): a Django app installed only by revere/settings_bench.py (floor views,
the query-count header, prepared sessions) and the driver, bench/run.py, that `make bench` runs."""
