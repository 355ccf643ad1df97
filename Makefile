# clientele — PGXS build.
#
# Each capability lives in a folder under src/ with its C files and the SQL
# that declares them; this Makefile compiles every src/*/*.c into one shared
# library and concatenates the modules' SQL, in dependency order, into the
# versioned install script.

EXTENSION   = clientele
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" clientele.control)

# SQL of each module, in the order the install script needs it.
MODULE_SQL  = src/core/core.sql \
              src/sentiment/sentiment.sql \
              src/demo/demo.sql

LEXICON_DATA = src/sentiment/lexicon/en.tsv src/sentiment/lexicon/fr.tsv \
               src/sentiment/lexicon/emoji.tsv \
               src/sentiment/lexicon/en-rules.tsv src/sentiment/lexicon/fr-rules.tsv
LEXICON_C    = src/sentiment/lexicon_data.c

MODULE_big  = clientele
SRCS        = $(sort $(filter-out $(LEXICON_C),$(wildcard src/*/*.c))) $(LEXICON_C)
OBJS        = $(SRCS:.c=.o)

DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
# Upgrade scripts, one per release (written by hand, never edited once released).
DATA        = $(wildcard src/upgrade/$(EXTENSION)--*--*.sql)
DOCS        = README.md

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --encoding=UTF8 --no-locale --load-extension=plpgsql
ISOLATION    = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --encoding=UTF8 --no-locale

EXTRA_CLEAN = $(LEXICON_C) output_iso results regression.diffs regression.out

PG_CONFIG  ?= pg_config
ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n)
PG_CPPFLAGS = -I$(srcdir)/src/core -I$(srcdir)/src $(ICU_CFLAGS)
SHLIB_LINK  = $(ICU_LIBS) -lJudy
# `make WERROR=1` (used by `make test`) turns every warning into an error.
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare $(if $(WERROR),-Werror)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: every object depends on every project header.
$(OBJS): $(wildcard src/*/*.h)

# The install script: a header, then every module's SQL.
$(EXTENSION)--$(EXTVERSION).sql: $(MODULE_SQL) clientele.control
	@{ echo "-- clientele $(EXTVERSION) install script, assembled from: $(MODULE_SQL)"; \
	   printf '%s\n' '\echo Use "CREATE EXTENSION clientele" to load this file. \quit'; \
	   for f in $(MODULE_SQL); do echo; echo "-- ==== $$f ===="; cat $$f; done; } > $@

# Built-in lexicons are data files compiled into the library.
$(LEXICON_C): $(LEXICON_DATA) src/sentiment/lexicon2c.pl
	perl src/sentiment/lexicon2c.pl $(LEXICON_DATA) > $@.tmp && mv $@.tmp $@

.PHONY: demo test test-inner bench
# The two commands of the README.
demo:
	bash test/demo.sh
test:
	bash test/run-tests.sh
bench:
	bash test/bench/run.sh
