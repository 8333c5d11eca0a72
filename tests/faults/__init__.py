"""Cross-cutting: crashes, full disks, a server gone, a lost executor, any bytes as input."""
