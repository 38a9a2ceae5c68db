"""`manage.py localmodel`: assemble the offline model into the data folder and serve it on localhost."""

import os

from django.core.management.base import BaseCommand, CommandError

from playground.ops import localmodel


class Command(BaseCommand):
    help = "Serve Gemma 3 270M through llama.cpp's OpenAI-compatible server (the \"Local\" provider)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=None,
                            help="CPU threads for generation (default: llama.cpp's choice)")
        parser.add_argument("--assemble-only", action="store_true", help="only put the model file in the data folder")

    def handle(self, *args, threads, assemble_only, **options):
        try:
            model = localmodel.assemble_model()
        except localmodel.LocalModelMissing as missing:
            raise CommandError(str(missing)) from None
        self.stdout.write(f"Model: {model}")
        if assemble_only:
            return
        command = localmodel.server_command(model, threads=threads)
        self.stdout.write("Starting: " + " ".join(command))
        self.stdout.flush()
        # Replace this process, so Ctrl+C and SIGTERM reach the server directly.
        os.execv(command[0], command)
