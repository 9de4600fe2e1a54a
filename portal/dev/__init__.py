"""Data for development and demonstration: the demo Rede and the synthetic federation."""
