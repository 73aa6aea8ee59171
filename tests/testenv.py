"""Loaded by pytest before Django (see `-p tests.testenv` in pyproject.toml): the environment the
suite runs in, close to production (DEBUG off) but over plain HTTP on this machine."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-real-deployment")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DEMO_MODE", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("MANIFEST_STATIC", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
