# The two commands of the README. Everything else is in scripts/ and recruitbot/.
.PHONY: run test train bench

run:
	@scripts/setup.sh
	@.venv/bin/python -m recruitbot.run

test:
	@scripts/test.sh

train:
	@scripts/setup.sh

bench:
	@scripts/setup.sh
	@.venv/bin/python -m bench
