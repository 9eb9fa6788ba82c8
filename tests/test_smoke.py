import ext


def test_extension_imports():
    assert ext.setup.__name__ == "setup"
