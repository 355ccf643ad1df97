# clientele — PGXS build.
#
# Each capability lives in a folder under src/ with its C files and the SQL
# that declares them; this Makefile compiles every src/*/*.c into one shared
# library and concatenates the modules' SQL, in dependency order, into the
# versioned install script.

EXTENSION   = clientele
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" clientele.control)

# Capabilities (folders of src/), in the order the install script needs them.
# Every src/CAPABILITY/*.sql file is part of the install script, the files of
# one capability in name order.
CAPABILITIES = core sentiment demo funnel index segment offer attribution
MODULE_SQL  = $(foreach m,$(CAPABILITIES),$(sort $(wildcard src/$(m)/*.sql)))

# Released SQL files are never edited: a change to a released object goes in
# a new file (CREATE OR REPLACE ...).  The upgrade script from the previous
# release is then assembled from the files that release did not have.
PREV_VERSION  = 0.1.0
RELEASED_SQL  = src/core/core.sql src/sentiment/sentiment.sql src/demo/demo.sql
UPGRADE_SQL   = $(filter-out $(RELEASED_SQL),$(MODULE_SQL))

LEXICON_DATA = src/sentiment/lexicon/en.tsv src/sentiment/lexicon/fr.tsv \
               src/sentiment/lexicon/emoji.tsv \
               src/sentiment/lexicon/en-rules.tsv src/sentiment/lexicon/fr-rules.tsv
LEXICON_C    = src/sentiment/lexicon_data.c

MODULE_big  = clientele
SRCS        = $(sort $(filter-out $(LEXICON_C),$(wildcard src/*/*.c))) $(LEXICON_C)
OBJS        = $(SRCS:.c=.o)

DATA_built  = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql
# Released install and upgrade scripts, kept verbatim (never edited).
DATA        = $(wildcard src/upgrade/$(EXTENSION)--*.sql)
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

# A script: a header, then the given SQL files.
define assemble_script
	@{ echo "-- clientele $(1), assembled from: $(2)"; \
	   printf '%s\n' '\echo Use "$(3)" to load this file. \quit'; \
	   for f in $(2); do echo; echo "-- ==== $$f ===="; cat $$f; done; } > $@
endef

# The install script: every module's SQL.
$(EXTENSION)--$(EXTVERSION).sql: $(MODULE_SQL) clientele.control
	$(call assemble_script,$(EXTVERSION) install script,$(MODULE_SQL),CREATE EXTENSION clientele)

# The upgrade script from the previous release: the SQL files added since.
$(EXTENSION)--$(PREV_VERSION)--$(EXTVERSION).sql: $(UPGRADE_SQL) clientele.control
	$(call assemble_script,$(PREV_VERSION) to $(EXTVERSION) upgrade script,$(UPGRADE_SQL),ALTER EXTENSION clientele UPDATE)

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
