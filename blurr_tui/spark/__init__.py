"""Running a BTS on Apache Spark (``--runner=spark``).

Only :mod:`blurr_tui.spark.runner` imports pyspark, and only when a Spark run starts; the
other modules hold the plain-Python parts the executors run (reading lines, running each
identity through the same engine functions as ``transform``, shaping dataset rows).
"""
