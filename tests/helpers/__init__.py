"""What the tests share: page readers, accounts, registrations, mail, database probes.

Test modules import from here (and fixtures come from conftest.py), never from one
another: the import contract "Test modules are independent" in pyproject.toml says so.
"""
