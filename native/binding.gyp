{
  "targets": [
    {
      "target_name": "hakozuna_release",
      "sources": ["hakozuna_release.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [["OS=='mac'", {"xcode_settings": {"OTHER_CFLAGS": ["-O2", "-Wall"]}}]]
    }
  ]
}
