"""Running scenarios: seeds, replicates, local process pools, and writing results.

The runner knows nothing of mechanisms: it builds models from a Scenario and collects their
indicator records.
"""
