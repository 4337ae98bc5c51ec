"""Pure computations of PartsPool: plain data in, plain data out, no Django."""
