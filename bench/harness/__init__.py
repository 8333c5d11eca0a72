"""The benchmark harness behind bench/run.py, one module per concern (run.py says which)."""
