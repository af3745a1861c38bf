{
  "targets": [
    {
      "target_name": "crc32c",
      "sources": ["src/crc32c.c"],
      "cflags": ["-O3", "-Wall", "-Wextra"]
    }
  ]
}
