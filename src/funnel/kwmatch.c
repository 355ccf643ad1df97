/*
 * kwmatch.c — the compiled keyword matcher.
 *
 * A query is compiled once per statement into an automaton over text units
 * (kwunits.c) whose cost per message does not grow with the number of
 * terms:
 *
 *   - Dictionary.  Every word of every term (single words and the words of
 *     phrases) is entered in one JudyHS map from its key to the list of its
 *     occurrences (term, index of the word in the term).  A unit's key is
 *     looked up once, whatever the number of terms, behind a bitmap of key
 *     hashes (about 16 bits per key) that turns most units away with one
 *     bit test before the JudyHS walk.  Wildcard words are
 *     entered in a second map under their literal prefix; a key is looked
 *     up there under each distinct prefix length the query uses (a handful),
 *     and only when a bitmap of the prefixes' first two bytes says one could
 *     start like the key; the pattern is checked only for the candidates.
 *
 *   - Phrases.  This is Aho-Corasick over the alphabet of keys with the
 *     states spread over the terms: for each word of a phrase the matcher
 *     remembers the last text position at which the phrase's prefix ending
 *     with that word matched.  Word i of a phrase at position p extends the
 *     prefix that ended at p - 1.  Positions are counted on one clock that
 *     keeps running from message to message, so nothing is reset per
 *     message: a remembered position from an earlier message can never be
 *     p - 1.  Occurrences within one unit are applied from the last word of
 *     a phrase to the first, so a unit never extends a prefix it started.
 *
 *   - Boolean structure.  Each node counts how many of its children are
 *     true; a term that matches makes its node true and the change climbs
 *     to the root only as far as truth values change (an OR becomes true
 *     with its first true child, an AND with its last, a NOT flips).  The
 *     counts are stamped with the message number and start from their value
 *     for a message without any hit, so a message costs nothing for terms it
 *     does not contain.  When the query has no NOT the root can only become
 *     true, and the scan stops as soon as it is.
 *
 *   - NEAR.  Terms under a NEAR record their hit spans; at the end of the
 *     message each NEAR that saw a hit combines its operands' spans (an OR
 *     operand pools its children's spans, a nested NEAR yields the spans it
 *     covers) and becomes true if two spans, one from each side, are at most
 *     n words apart (in order for NEAR/nf).  Spans that touch the same unit
 *     do not count.
 *
 *   - lang:fr and lang:en become true at the end of the message when the
 *     language detected during the same pass matches.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "funnel/kwquery.h"

typedef struct Occ
{
	int32		leaf;
	int32		word;
} Occ;

typedef struct OccList
{
	int			n;
	int			cap;
	Occ		   *occ;
} OccList;

typedef struct Leaf
{
	const KwNode *term;
	int			node;			/* compiled node of the term */
	int			nearroot;		/* topmost NEAR above it, or -1 */
	bool		negated;		/* under a NOT: not shown by highlight() */
	int64		last_hit;		/* clock position of the last hit's end */
	int64	   *prog;			/* per word: clock position where the prefix ending there matched */
} Leaf;

typedef struct CNode
{
	KwNodeKind	kind;
	int			parent;			/* -1 for the root and for nodes under NEAR */
	int			nchildren;
	int		   *children;
	int			default_count;	/* true children in a message without hits */
	bool		default_truth;
	int			leaf;			/* TERM */
	int			distance;		/* NEAR */
	bool		ordered;
	TcLang		lang;			/* LANG */
} CNode;

typedef struct Span
{
	int			first;
	int			last;
} Span;

struct KwMatcher
{
	MemoryContext cxt;
	const KwNode *root_tree;
	TcJudy	   *dict;			/* key -> OccList* */
	uint64	   *dict_filter;	/* one bit per hash of a dictionary key */
	uint32		dict_mask;		/* bits in the filter - 1 */
	TcJudy	   *wild;			/* wildcard prefix -> OccList* */
	void	   *wild_empty_slot;	/* OccList* of wildcards without a literal prefix */
	OccList		wild_empty;
	int		   *prefix_lens;	/* distinct prefix lengths, ascending */
	uint64		wild_first1[4];	/* first bytes of 1-byte wildcard prefixes */
	uint64	   *wild_first2;	/* first two bytes of longer ones (65,536 bits) */
	int			nprefix_lens;
	Leaf	   *leaves;
	int			nleaves;
	CNode	   *nodes;
	int			nnodes;
	int			root;
	int		   *lang_nodes;
	int			nlang_nodes;
	bool		monotone;		/* no NOT: the root can only become true */
	bool		exhaustive;		/* a theme set: every root is needed, no early stop */
	int		   *set_roots;		/* a theme set: the node of each theme's query */
	int			nset_roots;
	bool	   *set_defaults;	/* each theme's truth in a message without hits */
	int		   *set_index;		/* node -> theme number, or -1 */
	int		   *set_touched;	/* themes whose truth changed this message */
	int			nset_touched;
	int		   *set_default_true;	/* themes true in a message without hits */
	int			nset_default_true;
	int64	   *set_mark;		/* message in which a theme was last looked at */
	int64	   *set_matched;	/* message in which a theme last matched */
	bool		has_near;

	/* per-message state */
	int64		clock;			/* clock position of unit 0 of this message */
	int64		msg;			/* message number */
	int64	   *gen;
	int		   *count;
	bool	   *truth;
	int64	   *touched_gen;	/* NEAR roots seen this message */
	int		   *touched;
	int			ntouched;
	KwHit	   *hits;
	int			nhits;
	int			hitcap;
	bool		collect;		/* record every hit (highlight) */
	int		   *ustart;			/* collect: byte span of each unit */
	int		   *uend;
	int			ucap;
	int			nunits;
	const char *text;

	/* scratch for one unit's occurrences */
	Occ		   *uocc;
	int			nuocc;
	int			uocccap;
};

/* ---- compilation ---- */

/* FNV-1a hash of a key, for the dictionary's pre-filter. */
static inline uint32
key_hash(const char *key, int len)
{
	uint32		h = 2166136261u;
	int			i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char) key[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* Build the pre-filter: a bitmap of about 16 bits per dictionary key. */
static void
build_dict_filter(KwMatcher *m)
{
	int			nkeys = 0,
				i,
				j;
	uint32		bits = 1 << 14;

	for (i = 0; i < m->nleaves; i++)
		nkeys += m->leaves[i].term->nwords;
	while (bits < (uint32) nkeys * 16 && bits < (1u << 23))
		bits <<= 1;
	m->dict_mask = bits - 1;
	m->dict_filter = MemoryContextAllocZero(m->cxt, bits / 8);
	for (i = 0; i < m->nleaves; i++)
		for (j = 0; j < m->leaves[i].term->nwords; j++)
		{
			const KwWord *w = &m->leaves[i].term->words[j];
			uint32		b;

			if (w->wildcard)
				continue;
			b = key_hash(w->key, w->keylen) & m->dict_mask;
			m->dict_filter[b >> 6] |= UINT64CONST(1) << (b & 63);
		}
}

/* Append an occurrence to the list in a Judy slot. */
static void
occ_add(KwMatcher *m, void **slot, int leaf, int word)
{
	OccList    *l = (OccList *) *slot;

	if (l == NULL)
	{
		l = MemoryContextAllocZero(m->cxt, sizeof(OccList));
		*slot = l;
	}
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 2;
		l->occ = l->occ ? repalloc(l->occ, sizeof(Occ) * l->cap) :
			MemoryContextAlloc(m->cxt, sizeof(Occ) * l->cap);
	}
	l->occ[l->n].leaf = leaf;
	l->occ[l->n].word = word;
	l->n++;
}

/* Note a wildcard prefix length. */
static void
add_prefix_len(KwMatcher *m, int len, int *cap)
{
	int			i;

	for (i = 0; i < m->nprefix_lens; i++)
		if (m->prefix_lens[i] == len)
			return;
	if (m->nprefix_lens == *cap)
	{
		*cap *= 2;
		m->prefix_lens = repalloc(m->prefix_lens, sizeof(int) * *cap);
	}
	/* keep ascending */
	for (i = m->nprefix_lens; i > 0 && m->prefix_lens[i - 1] > len; i--)
		m->prefix_lens[i] = m->prefix_lens[i - 1];
	m->prefix_lens[i] = len;
	m->nprefix_lens++;
}

typedef struct CompileState
{
	KwMatcher  *m;
	int			nodecap;
	int			leafcap;
	int			langcap;
	int			prefixcap;
} CompileState;

/* Compile a node and its subtree; returns its id. */
static int
compile_node(CompileState *cs, const KwNode *n, int parent, int nearroot, bool negated)
{
	KwMatcher  *m = cs->m;
	int			id;
	CNode	   *c;
	int			i;

	check_stack_depth();
	if (m->nnodes == cs->nodecap)
	{
		cs->nodecap *= 2;
		m->nodes = repalloc_huge(m->nodes, sizeof(CNode) * cs->nodecap);
	}
	id = m->nnodes++;
	c = &m->nodes[id];
	memset(c, 0, sizeof(CNode));
	c->kind = n->kind;
	c->parent = parent;
	c->leaf = -1;
	c->distance = n->distance;
	c->ordered = n->ordered;
	c->lang = n->lang;

	switch (n->kind)
	{
		case KWN_TERM:
			{
				Leaf	   *lf;
				int			leaf;

				if (m->nleaves == cs->leafcap)
				{
					cs->leafcap *= 2;
					m->leaves = repalloc_huge(m->leaves, sizeof(Leaf) * cs->leafcap);
				}
				leaf = m->nleaves++;
				lf = &m->leaves[leaf];
				lf->term = n;
				lf->node = id;
				lf->nearroot = nearroot;
				lf->negated = negated;
				lf->last_hit = -1;
				lf->prog = MemoryContextAlloc(m->cxt, sizeof(int64) * n->nwords);
				for (i = 0; i < n->nwords; i++)
				{
					const KwWord *w = &n->words[i];

					lf->prog[i] = -10;
					if (!w->wildcard)
						occ_add(m, tc_judy_hs_insert(m->dict, w->key, w->keylen), leaf, i);
					else if (w->prefixlen == 0)
						occ_add(m, &m->wild_empty_slot, leaf, i);
					else
					{
						const unsigned char *k = (const unsigned char *) w->key;

						occ_add(m, tc_judy_hs_insert(m->wild, w->key, w->prefixlen), leaf, i);
						add_prefix_len(m, w->prefixlen, &cs->prefixcap);
						if (w->prefixlen == 1)
							m->wild_first1[k[0] >> 6] |= UINT64CONST(1) << (k[0] & 63);
						else
						{
							int			b = (k[0] << 8) | k[1];

							m->wild_first2[b >> 6] |= UINT64CONST(1) << (b & 63);
						}
					}
				}
				m->nodes[id].leaf = leaf;
				if ((leaf & 4095) == 4095)
					CHECK_FOR_INTERRUPTS();
				return id;
			}
		case KWN_LANG:
			if (m->nlang_nodes == cs->langcap)
			{
				cs->langcap *= 2;
				m->lang_nodes = repalloc(m->lang_nodes, sizeof(int) * cs->langcap);
			}
			m->lang_nodes[m->nlang_nodes++] = id;
			return id;
		case KWN_NOT:
			m->monotone = false;
			break;
		case KWN_NEAR:
			m->has_near = true;
			break;
		default:
			break;
	}

	{
		int			nch = n->nchildren;
		int		   *children = MemoryContextAlloc(m->cxt, sizeof(int) * nch);
		bool		under_near = (n->kind == KWN_NEAR || nearroot >= 0);
		int			myroot = nearroot >= 0 ? nearroot : (n->kind == KWN_NEAR ? id : -1);
		int			dcount = 0;

		for (i = 0; i < nch; i++)
		{
			int			ch = compile_node(cs, n->children[i], under_near ? -1 : id, myroot,
										  negated || n->kind == KWN_NOT);

			children[i] = ch;
			if (m->nodes[ch].default_truth)
				dcount++;
		}
		c = &m->nodes[id];		/* the array may have moved */
		c->children = children;
		c->nchildren = nch;
		c->default_count = dcount;
		switch (n->kind)
		{
			case KWN_AND:
				c->default_truth = (dcount == nch);
				break;
			case KWN_OR:
				c->default_truth = (dcount > 0);
				break;
			case KWN_NOT:
				c->default_truth = (dcount == 0);
				break;
			default:
				c->default_truth = false;
		}
	}
	return id;
}

/* Compile a query into a matcher allocated in cxt. */
KwMatcher *
kw_compile(const KwNode *root, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KwMatcher  *m = palloc0(sizeof(KwMatcher));
	CompileState cs;
	OccList    *empty;

	m->cxt = cxt;
	m->root_tree = root;
	m->dict = tc_judy_create(cxt, TC_JUDY_HS);
	m->wild = tc_judy_create(cxt, TC_JUDY_HS);
	m->monotone = true;
	cs.m = m;
	cs.nodecap = 16;
	cs.leafcap = 16;
	cs.langcap = 4;
	cs.prefixcap = 8;
	m->nodes = palloc(sizeof(CNode) * cs.nodecap);
	m->leaves = palloc(sizeof(Leaf) * cs.leafcap);
	m->lang_nodes = palloc(sizeof(int) * cs.langcap);
	m->prefix_lens = palloc(sizeof(int) * cs.prefixcap);
	m->wild_first2 = palloc0(sizeof(uint64) * 1024);
	m->wild_empty_slot = NULL;
	m->root = compile_node(&cs, root, -1, -1, false);
	empty = (OccList *) m->wild_empty_slot;
	if (empty)
		m->wild_empty = *empty;
	else
		memset(&m->wild_empty, 0, sizeof(OccList));

	build_dict_filter(m);
	m->gen = palloc0(sizeof(int64) * m->nnodes);
	m->count = palloc0(sizeof(int) * m->nnodes);
	m->truth = palloc0(sizeof(bool) * m->nnodes);
	m->touched_gen = palloc0(sizeof(int64) * m->nnodes);
	m->touched = palloc(sizeof(int) * m->nnodes);
	m->hitcap = 16;
	m->hits = palloc(sizeof(KwHit) * m->hitcap);
	m->uocccap = 16;
	m->uocc = palloc(sizeof(Occ) * m->uocccap);
	m->clock = 100;
	m->msg = 0;
	MemoryContextSwitchTo(old);
	return m;
}

/* ---- matching ---- */

/* This message's state of a node. */
static inline void
node_state(KwMatcher *m, int id)
{
	if (m->gen[id] != m->msg)
	{
		m->gen[id] = m->msg;
		m->count[id] = m->nodes[id].default_count;
		m->truth[id] = m->nodes[id].default_truth;
	}
}

/* Make a term, NEAR or lang node true and carry the change towards the root. */
static void
set_true(KwMatcher *m, int id)
{
	int			delta;

	node_state(m, id);
	if (m->truth[id])
		return;
	m->truth[id] = true;
	if (m->set_index && m->set_index[id] >= 0)
		m->set_touched[m->nset_touched++] = m->set_index[id];
	delta = 1;
	id = m->nodes[id].parent;
	while (id >= 0)
	{
		CNode	   *c = &m->nodes[id];
		bool		t;

		node_state(m, id);
		m->count[id] += delta;
		t = c->kind == KWN_AND ? (m->count[id] == c->nchildren) :
			c->kind == KWN_OR ? (m->count[id] > 0) : (m->count[id] == 0);
		if (t == m->truth[id])
			break;
		m->truth[id] = t;
		if (m->set_index && m->set_index[id] >= 0)
			m->set_touched[m->nset_touched++] = m->set_index[id];
		delta = t ? 1 : -1;
		id = c->parent;
	}
}

/* Record a hit of a term ending at clock position last. */
static void
leaf_hit(KwMatcher *m, int leaf, int64 first, int64 last)
{
	Leaf	   *lf = &m->leaves[leaf];

	if (lf->last_hit == last)
		return;
	lf->last_hit = last;
	if (lf->nearroot >= 0 || m->collect)
	{
		KwHit	   *h;

		if (m->nhits == m->hitcap)
		{
			m->hitcap *= 2;
			m->hits = repalloc_huge(m->hits, sizeof(KwHit) * m->hitcap);
		}
		h = &m->hits[m->nhits++];
		h->leaf = leaf;
		h->first = (int) (first - m->clock);
		h->last = (int) (last - m->clock);
		h->start = h->end = 0;
	}
	if (lf->nearroot >= 0)
	{
		if (m->touched_gen[lf->nearroot] != m->msg)
		{
			m->touched_gen[lf->nearroot] = m->msg;
			m->touched[m->ntouched++] = lf->nearroot;
		}
	}
	else
		set_true(m, lf->node);
}

/* Does a unit have the exact original form of a raw word? */
static bool
raw_matches(KwMatcher *m, const KwUnit *u, const KwWord *w)
{
	if (w->raw == NULL)
		return true;
	if (u->end - u->start == w->rawlen && memcmp(m->text + u->start, w->raw, w->rawlen) == 0)
		return true;
	return u->wstart > u->start && u->end - u->wstart == w->rawlen &&
		memcmp(m->text + u->wstart, w->raw, w->rawlen) == 0;
}

/* Add the occurrences of a list to the unit's scratch, checking raw forms and patterns. */
static void
gather(KwMatcher *m, const KwUnit *u, const OccList *l, const char *key, int keylen, bool wildcard)
{
	int			i;

	for (i = 0; i < l->n; i++)
	{
		const Occ  *o = &l->occ[i];
		const KwWord *w = &m->leaves[o->leaf].term->words[o->word];

		if (wildcard && !kw_glob_match(w->key, w->keylen, key, keylen))
			continue;
		if (!raw_matches(m, u, w))
			continue;
		if (m->nuocc == m->uocccap)
		{
			m->uocccap *= 2;
			m->uocc = repalloc_huge(m->uocc, sizeof(Occ) * m->uocccap);
		}
		m->uocc[m->nuocc++] = *o;
	}
}

/* Unit callback of the scan: apply every occurrence of the unit's keys. */
static bool
match_unit(void *arg, const KwUnit *u)
{
	KwMatcher  *m = (KwMatcher *) arg;
	int64		p = m->clock + u->position;
	int			k,
				i;

	m->nunits = u->position;
	if (m->collect)
	{
		if (u->position >= m->ucap)
		{
			m->ucap = Max(64, u->position * 2);
			/* in the matcher's context: the arrays outlive this call */
			m->ustart = m->ustart ? repalloc_huge(m->ustart, sizeof(int) * m->ucap) :
				MemoryContextAlloc(m->cxt, sizeof(int) * m->ucap);
			m->uend = m->uend ? repalloc_huge(m->uend, sizeof(int) * m->ucap) :
				MemoryContextAlloc(m->cxt, sizeof(int) * m->ucap);
		}
		m->ustart[u->position] = u->start;
		m->uend[u->position] = u->end;
	}
	m->nuocc = 0;
	for (k = 0; k < u->nkeys; k++)
	{
		uint32		b = key_hash(u->keys[k], u->keylens[k]) & m->dict_mask;
		void	  **slot = NULL;

		/* most units are in no query: one bit tells, before the JudyHS walk */
		if ((m->dict_filter[b >> 6] >> (b & 63)) & 1)
			slot = tc_judy_hs_get(m->dict, u->keys[k], u->keylens[k]);
		if (slot)
			gather(m, u, (OccList *) *slot, u->keys[k], u->keylens[k], false);
		/* wildcard prefixes: only when one could start like this key */
		if (m->nprefix_lens > 0)
		{
			const unsigned char *kb = (const unsigned char *) u->keys[k];
			int			b = u->keylens[k] >= 2 ? (kb[0] << 8) | kb[1] : -1;
			bool		maybe = (m->wild_first1[kb[0] >> 6] >> (kb[0] & 63)) & 1;

			if (!maybe && b >= 0)
				maybe = (m->wild_first2[b >> 6] >> (b & 63)) & 1;
			if (!maybe)
				goto no_wild;
		}
		for (i = 0; i < m->nprefix_lens && m->prefix_lens[i] <= u->keylens[k]; i++)
		{
			slot = tc_judy_hs_get(m->wild, u->keys[k], m->prefix_lens[i]);
			if (slot)
				gather(m, u, (OccList *) *slot, u->keys[k], u->keylens[k], true);
		}
no_wild:
		if (m->wild_empty.n > 0)
			gather(m, u, &m->wild_empty, u->keys[k], u->keylens[k], true);
	}
	if (m->nuocc == 0)
		return true;

	/* later words of a phrase first, so a unit never extends its own prefix */
	if (m->nuocc > 1)
		for (i = 1; i < m->nuocc; i++)
		{
			Occ			o = m->uocc[i];
			int			j = i;

			while (j > 0 && m->uocc[j - 1].word < o.word)
			{
				m->uocc[j] = m->uocc[j - 1];
				j--;
			}
			m->uocc[j] = o;
		}
	for (i = 0; i < m->nuocc; i++)
	{
		const Occ  *o = &m->uocc[i];
		Leaf	   *lf = &m->leaves[o->leaf];
		int			nwords = lf->term->nwords;

		if (o->word == 0)
		{
			if (nwords == 1)
				leaf_hit(m, o->leaf, p, p);
			else
				lf->prog[0] = p;
		}
		else if (lf->prog[o->word - 1] == p - 1)
		{
			if (o->word == nwords - 1)
				leaf_hit(m, o->leaf, p - o->word, p);
			else
				lf->prog[o->word] = p;
		}
	}
	if (m->monotone && !m->collect && !m->exhaustive)
	{
		node_state(m, m->root);
		if (m->truth[m->root])
			return false;
	}
	return true;
}

/* Append a span to a growing array. */
static void
span_add(Span **spans, int *n, int *cap, int first, int last)
{
	if (*n == *cap)
	{
		*cap = *cap ? *cap * 2 : 8;
		*spans = *spans ? repalloc(*spans, sizeof(Span) * *cap) : palloc(sizeof(Span) * *cap);
	}
	(*spans)[*n].first = first;
	(*spans)[*n].last = last;
	(*n)++;
}

#define KW_MAX_SPANS 4096

/* The spans of a node under (or being) a NEAR in this message. */
static Span *
node_spans(KwMatcher *m, int id, int *nspans)
{
	CNode	   *c = &m->nodes[id];
	Span	   *out = NULL;
	int			n = 0,
				cap = 0,
				i,
				j,
				k;

	check_stack_depth();
	if (c->kind == KWN_TERM)
	{
		for (i = 0; i < m->nhits; i++)
			if (m->hits[i].leaf == c->leaf)
				span_add(&out, &n, &cap, m->hits[i].first, m->hits[i].last);
	}
	else if (c->kind == KWN_OR)
	{
		for (i = 0; i < c->nchildren; i++)
		{
			int			cn;
			Span	   *cs = node_spans(m, c->children[i], &cn);

			for (j = 0; j < cn; j++)
				span_add(&out, &n, &cap, cs[j].first, cs[j].last);
			if (cs)
				pfree(cs);
		}
	}
	else if (c->kind == KWN_NEAR)
	{
		int			sn;
		Span	   *s = node_spans(m, c->children[0], &sn);

		for (k = 1; k < c->nchildren && sn > 0; k++)
		{
			int			tn;
			Span	   *t = node_spans(m, c->children[k], &tn);
			Span	   *r = NULL;
			int			rn = 0,
						rcap = 0;

			for (i = 0; i < sn && rn < KW_MAX_SPANS; i++)
			{
				CHECK_FOR_INTERRUPTS();
				for (j = 0; j < tn && rn < KW_MAX_SPANS; j++)
				{
					int			gap;

					if (c->ordered)
						gap = t[j].first - s[i].last;
					else
						gap = Max(t[j].first - s[i].last, s[i].first - t[j].last);
					if (gap >= 1 && gap <= c->distance)
						span_add(&r, &rn, &rcap, Min(s[i].first, t[j].first),
								 Max(s[i].last, t[j].last));
				}
			}
			if (s)
				pfree(s);
			if (t)
				pfree(t);
			s = r;
			sn = rn;
		}
		out = s;
		n = sn;
	}
	*nspans = n;
	return out;
}

/* Does UTF-8 text match?  (See the essay at the top of the file.) */
bool
kw_match(KwMatcher *m, const char *s, int len, KwHit **hits, int *nhits)
{
	TcLang		lang = TC_LANG_NONE;
	int			i;
	bool		result;

	m->msg++;
	m->nset_touched = 0;
	m->clock += m->nunits + 2;
	m->nunits = 0;
	m->nhits = 0;
	m->ntouched = 0;
	m->collect = (hits != NULL);
	m->text = s;

	kw_scan_units(s, len, match_unit, m, m->nlang_nodes > 0 ? &lang : NULL);

	for (i = 0; i < m->ntouched; i++)
	{
		int			n;
		Span	   *sp = node_spans(m, m->touched[i], &n);

		if (n > 0)
			set_true(m, m->touched[i]);
		if (sp)
			pfree(sp);
	}
	for (i = 0; i < m->nlang_nodes; i++)
		if (m->nodes[m->lang_nodes[i]].lang == lang)
			set_true(m, m->lang_nodes[i]);
	node_state(m, m->root);
	result = m->truth[m->root];

	if (hits != NULL)
	{
		KwHit	   *out = palloc(sizeof(KwHit) * Max(m->nhits, 1));
		int			n = 0;

		for (i = 0; i < m->nhits; i++)
		{
			KwHit		h = m->hits[i];

			if (m->leaves[h.leaf].negated)
				continue;
			h.start = m->ustart[h.first];
			h.end = m->uend[h.last];
			out[n++] = h;
		}
		*hits = out;
		*nhits = n;
	}
	return result;
}

/* The canonical text of a term. */
const char *
kw_leaf_text(KwMatcher *m, int leaf)
{
	int			len;

	return kw_print(m->leaves[leaf].term, &len);
}

/*
 * Compile the queries of a theme set into one matcher: a synthetic OR over
 * all of them, matched without early stop so that each query's own truth
 * is known at the end of the message.
 */
KwMatcher *
kw_compile_set(KwNode **roots, int n, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KwNode	   *or = palloc0(sizeof(KwNode));
	KwMatcher  *m;
	int			i;

	or->kind = KWN_OR;
	or->nchildren = n;
	or->children = roots;
	MemoryContextSwitchTo(old);
	m = kw_compile(or, cxt);
	m->exhaustive = true;
	m->nset_roots = n;
	m->set_roots = MemoryContextAlloc(cxt, sizeof(int) * Max(n, 1));
	m->set_defaults = MemoryContextAlloc(cxt, sizeof(bool) * Max(n, 1));
	m->set_default_true = MemoryContextAlloc(cxt, sizeof(int) * Max(n, 1));
	m->set_mark = MemoryContextAllocZero(cxt, sizeof(int64) * Max(n, 1));
	m->set_matched = MemoryContextAllocZero(cxt, sizeof(int64) * Max(n, 1));
	m->set_index = MemoryContextAlloc(cxt, sizeof(int) * m->nnodes);
	for (i = 0; i < m->nnodes; i++)
		m->set_index[i] = -1;
	for (i = 0; i < n; i++)
	{
		int			id = m->nodes[m->root].children[i];

		m->set_roots[i] = id;
		m->set_defaults[i] = m->nodes[id].default_truth;
		if (m->set_defaults[i])
			m->set_default_true[m->nset_default_true++] = i;
		m->set_index[id] = i;
	}
	/* a theme's truth can change at most twice per node on its path: bound generously */
	m->set_touched = MemoryContextAlloc(cxt, sizeof(int) * (Size) Max(m->nnodes, 1) * 2);
	return m;
}

/* Ascending order of ints. */
static int
int_cmp(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;

	return (x > y) - (x < y);
}

/*
 * Match a text against a theme set: store the numbers of the matching
 * queries in out (ascending) and return how many.  Only the themes whose
 * truth changed during the message, and those true without any hit, are
 * looked at.
 */
int
kw_match_set(KwMatcher *m, const char *s, int len, int *out)
{
	int			i,
				n = 0;

	kw_match(m, s, len, NULL, NULL);
	for (i = 0; i < m->nset_touched; i++)
	{
		int			t = m->set_touched[i];

		if (m->set_mark[t] == m->msg)
			continue;
		m->set_mark[t] = m->msg;
		if (m->truth[m->set_roots[t]])
			out[n++] = t;
	}
	for (i = 0; i < m->nset_default_true; i++)
	{
		int			t = m->set_default_true[i];

		if (m->set_mark[t] == m->msg)
			continue;
		m->set_mark[t] = m->msg;
		out[n++] = t;
	}
	if (n > 1)
		qsort(out, n, sizeof(int), int_cmp);
	for (i = 0; i < n; i++)
		m->set_matched[out[i]] = m->msg;
	return n;
}

/* Did query i of the set match the last text given to kw_match_set()? */
bool
kw_set_matched(KwMatcher *m, int i)
{
	return m->set_matched[i] == m->msg;
}
