from tests.services.conftest import people, template_dir  # noqa: F401
