"""The least Django needs to run `fakeprovider`: no database at all, which proves the command needs none."""

SECRET_KEY = "fake-provider-command-test"
INSTALLED_APPS = ["playground.fakeprovider"]
DATABASES = {}
