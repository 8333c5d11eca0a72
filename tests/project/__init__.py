"""Cross-cutting: the layout, the lock, prerequisites, the Python API's docs, the notebook,
the classic scripts, the bench's yardsticks, the sample's figures."""
