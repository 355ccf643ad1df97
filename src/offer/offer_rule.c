/*
 * offer_rule.c — eligibility rules: small JSON predicates over facts.
 *
 * An offer's eligibility is data, not code: a jsonb rule that an analyst can
 * store, dump, diff and explain, evaluated against the customer's facts
 * (attributes merged with the decision's context).  The grammar:
 *
 *   rule  := {"all": [rule, ...]}          every rule holds (true if empty)
 *          | {"any": [rule, ...]}          some rule holds (false if empty)
 *          | {"not": rule}
 *          | {"attr": name, "op": op, "value": v}
 *   op    := "=" | "!=" | "<" | "<=" | ">" | ">="   (numbers with numbers,
 *            strings with strings, booleans with = and !=)
 *          | "in"        v is an array that holds the fact
 *          | "contains"  the fact is an array that holds v
 *          | "exists"    v is true: the fact is present; false: absent
 *
 * A comparison with a missing fact, or with a fact of another JSON type, is
 * false (so {"not": ...} of it is true): rules never raise on data, only on
 * their own shape.  rule_check() walks a rule completely and raises 22023
 * with the path of the first malformed node; the offer table uses it in a
 * CHECK constraint, so a bad rule is refused when stored, not when a
 * decision is made.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_rule_matches);
PG_FUNCTION_INFO_V1(clientele_rule_check);

typedef enum RuleOp
{
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_CONTAINS, OP_EXISTS, OP_BAD
} RuleOp;

/* Raise the error for a malformed rule node. */
static void
rule_error(const char *path, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("malformed eligibility rule at %s: %s", path, what),
			 errhint("A rule is {\"all\": [...]}, {\"any\": [...]}, {\"not\": rule} or "
					 "{\"attr\": name, \"op\": \"=|!=|<|<=|>|>=|in|contains|exists\", \"value\": v}.")));
}

/* Look up a key of an object container. */
static bool
get_key(JsonbContainer *c, const char *key, JsonbValue *out)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), out) != NULL;
}

/* Parse an operator name. */
static RuleOp
parse_op(const JsonbValue *v)
{
	static const char *const names[] = {"=", "!=", "<", "<=", ">", ">=", "in", "contains", "exists"};
	int			i;

	if (v->type != jbvString)
		return OP_BAD;
	for (i = 0; i < lengthof(names); i++)
		if (strlen(names[i]) == v->val.string.len &&
			memcmp(names[i], v->val.string.val, v->val.string.len) == 0)
			return (RuleOp) i;
	return OP_BAD;
}

/* Compare two scalars of the same JSON type: <0, 0, >0; *ok false if incomparable. */
static int
compare_scalars(const JsonbValue *a, const JsonbValue *b, bool *ok)
{
	*ok = a->type == b->type;
	if (!*ok)
		return 0;
	switch (a->type)
	{
		case jbvNumeric:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 NumericGetDatum(a->val.numeric),
													 NumericGetDatum(b->val.numeric)));
		case jbvString:
			{
				int			m = Min(a->val.string.len, b->val.string.len);
				int			r = memcmp(a->val.string.val, b->val.string.val, m);

				return r != 0 ? r : a->val.string.len - b->val.string.len;
			}
		case jbvBool:
			return (int) a->val.boolean - (int) b->val.boolean;
		case jbvNull:
			return 0;
		default:
			*ok = false;
			return 0;
	}
}

/* Whether an array container holds a scalar equal to v. */
static bool
array_holds(JsonbContainer *arr, const JsonbValue *v)
{
	uint32		n = JsonContainerSize(arr),
				i;

	for (i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);
		bool		ok;

		if (e && compare_scalars(e, v, &ok) == 0 && ok)
			return true;
	}
	return false;
}

/*
 * Evaluate (facts != NULL) or only validate (facts == NULL) the rule in
 * container c; path names the node for error messages.
 */
static bool
eval_rule(JsonbContainer *c, JsonbContainer *facts, const char *path, int depth)
{
	JsonbValue	v;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (!JsonContainerIsObject(c))
		rule_error(path, "a rule must be a JSON object");
	if (get_key(c, "all", &v) || get_key(c, "any", &v))
	{
		JsonbValue	tmp;
		bool		is_all = get_key(c, "all", &tmp);
		uint32		n,
					i;
		bool		result = is_all;

		if (JsonContainerSize(c) != 1)
			rule_error(path, "\"all\" and \"any\" take no other keys");
		if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
			rule_error(path, "\"all\" and \"any\" take an array of rules");
		n = JsonContainerSize(v.val.binary.data);
		for (i = 0; i < n; i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(v.val.binary.data, i);
			char	   *sub = psprintf("%s.%s[%u]", path, is_all ? "all" : "any", i);
			bool		r;

			if (e->type != jbvBinary)
				rule_error(sub, "a rule must be a JSON object");
			r = eval_rule(e->val.binary.data, facts, sub, depth + 1);
			pfree(sub);
			if (facts != NULL && r != is_all)
			{
				result = r;
				break;
			}
		}
		return facts == NULL ? true : result;
	}
	if (get_key(c, "not", &v))
	{
		char	   *sub = psprintf("%s.not", path);
		bool		r;

		if (JsonContainerSize(c) != 1)
			rule_error(path, "\"not\" takes no other keys");
		if (v.type != jbvBinary)
			rule_error(sub, "a rule must be a JSON object");
		r = eval_rule(v.val.binary.data, facts, sub, depth + 1);
		pfree(sub);
		return facts == NULL ? true : !r;
	}
	else
	{
		JsonbValue	attr,
					opv,
					value,
					fact;
		RuleOp		op;
		bool		have_fact,
					ok;
		int			cmp;

		if (!get_key(c, "attr", &attr) || attr.type != jbvString)
			rule_error(path, "a comparison needs \"attr\", a string");
		if (!get_key(c, "op", &opv) || (op = parse_op(&opv)) == OP_BAD)
			rule_error(path, "unknown or missing \"op\"");
		if (!get_key(c, "value", &value))
			rule_error(path, "a comparison needs \"value\"");
		if (JsonContainerSize(c) != 3)
			rule_error(path, "a comparison takes exactly \"attr\", \"op\" and \"value\"");
		if (op == OP_IN && (value.type != jbvBinary || !JsonContainerIsArray(value.val.binary.data)))
			rule_error(path, "\"in\" takes an array value");
		if (op == OP_EXISTS && value.type != jbvBool)
			rule_error(path, "\"exists\" takes true or false");
		if (op != OP_IN && op != OP_EXISTS && value.type == jbvBinary)
			rule_error(path, "the value of a comparison must be a scalar");
		if ((op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE) &&
			value.type != jbvNumeric && value.type != jbvString)
			rule_error(path, "ordering comparisons take a number or a string");
		if (facts == NULL)
			return true;

		have_fact = getKeyJsonValueFromContainer(facts, attr.val.string.val,
												 attr.val.string.len, &fact) != NULL;
		if (op == OP_EXISTS)
			return have_fact == value.val.boolean;
		if (!have_fact)
			return false;
		if (op == OP_IN)
			return fact.type != jbvBinary && array_holds(value.val.binary.data, &fact);
		if (op == OP_CONTAINS)
			return fact.type == jbvBinary && JsonContainerIsArray(fact.val.binary.data) &&
				array_holds(fact.val.binary.data, &value);
		if (fact.type == jbvBinary)
			return false;
		cmp = compare_scalars(&fact, &value, &ok);
		if (!ok)
			return false;
		switch (op)
		{
			case OP_EQ:
				return cmp == 0;
			case OP_NE:
				return cmp != 0;
			case OP_LT:
				return fact.type != jbvBool && cmp < 0;
			case OP_LE:
				return fact.type != jbvBool && cmp <= 0;
			case OP_GT:
				return fact.type != jbvBool && cmp > 0;
			case OP_GE:
				return fact.type != jbvBool && cmp >= 0;
			default:
				return false;
		}
	}
}

/* Whether the facts (an object container) satisfy the rule; for the decision kernel. */
bool
offer_rule_eval(JsonbContainer *rule, JsonbContainer *facts)
{
	return eval_rule(rule, facts, "$", 0);
}

/* SQL: rule_matches(rule, facts): whether the facts satisfy the rule. */
Datum
clientele_rule_matches(PG_FUNCTION_ARGS)
{
	Jsonb	   *rule = PG_GETARG_JSONB_P(0);
	Jsonb	   *facts = PG_GETARG_JSONB_P(1);

	if (!JB_ROOT_IS_OBJECT(facts) || JB_ROOT_IS_SCALAR(facts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("facts must be a JSON object")));
	PG_RETURN_BOOL(eval_rule(&rule->root, &facts->root, "$", 0));
}

/* SQL: rule_check(rule): true, or a 22023 error naming the malformed node. */
Datum
clientele_rule_check(PG_FUNCTION_ARGS)
{
	Jsonb	   *rule = PG_GETARG_JSONB_P(0);

	if (JB_ROOT_IS_SCALAR(rule))
		rule_error("$", "a rule must be a JSON object");
	PG_RETURN_BOOL(eval_rule(&rule->root, NULL, "$", 0));
}
