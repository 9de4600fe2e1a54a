"""The Rede's course schedule (meta 3.2): courses, classes, and the published calendar."""
