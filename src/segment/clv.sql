-- Customer lifetime value: BG/NBD (how often), Gamma-Gamma (how much), CLV.
-- See docs/segmentation.md.

CREATE TYPE clientele.bgnbd_model AS (r float8, alpha float8, a float8, b float8,
    loglik float8, customers bigint, iterations integer, converged boolean);
COMMENT ON TYPE clientele.bgnbd_model IS
'A BG/NBD model: purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b); loglik, customers, iterations and converged describe the fit (NULL for a model built from given parameters)';

CREATE TYPE clientele.gammagamma_model AS (p float8, q float8, gamma float8,
    loglik float8, customers bigint, iterations integer, converged boolean);
COMMENT ON TYPE clientele.gammagamma_model IS
'A Gamma-Gamma spend model: amounts ~ Gamma(p, nu), nu ~ Gamma(q, gamma); loglik, customers (those with x > 0), iterations and converged describe the fit';

-- the shared aggregate state: one row per distinct customer, with an exact
-- text form (so that Citus can distribute the fits)
CREATE TYPE clientele.clv_rows;
CREATE FUNCTION clientele.clv_rows_in(cstring) RETURNS clientele.clv_rows
AS 'MODULE_PATHNAME', 'clientele_clv_rows_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.clv_rows_out(clientele.clv_rows) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_clv_rows_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.clv_rows_recv(internal) RETURNS clientele.clv_rows
AS 'MODULE_PATHNAME', 'clientele_clv_rows_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.clv_rows_send(clientele.clv_rows) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_clv_rows_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clientele.clv_rows (
    INPUT = clientele.clv_rows_in,
    OUTPUT = clientele.clv_rows_out,
    RECEIVE = clientele.clv_rows_recv,
    SEND = clientele.clv_rows_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE clientele.clv_rows IS
'State of bgnbd_fit() and gammagamma_fit(): the distinct customers with their multiplicities, with an exact text form (bgnbd/1 rows=2 skipped=0 (0,0,30)*5 (2,8.5,30))';
CREATE FUNCTION clientele.clv_rows_combine(clientele.clv_rows, clientele.clv_rows) RETURNS clientele.clv_rows
AS 'MODULE_PATHNAME', 'clientele_clv_rows_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- BG/NBD
CREATE FUNCTION clientele.bgnbd_trans(clientele.clv_rows, x float8, t_x float8, t_cal float8) RETURNS clientele.clv_rows
AS 'MODULE_PATHNAME', 'clientele_bgnbd_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.bgnbd_final(clientele.clv_rows) RETURNS clientele.bgnbd_model
AS 'MODULE_PATHNAME', 'clientele_bgnbd_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE clientele.bgnbd_fit(x float8, t_x float8, t_cal float8) (
    SFUNC = clientele.bgnbd_trans,
    STYPE = clientele.clv_rows,
    FINALFUNC = clientele.bgnbd_final,
    COMBINEFUNC = clientele.clv_rows_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.bgnbd_fit(float8, float8, float8) IS
'Maximum-likelihood BG/NBD model from one row per customer: x repeat purchases, t_x time of the last one and t_cal (T) age, both from the first purchase, in one time unit';

CREATE FUNCTION clientele.bgnbd(r float8, alpha float8, a float8, b float8) RETURNS clientele.bgnbd_model
AS 'MODULE_PATHNAME', 'clientele_bgnbd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.bgnbd(float8, float8, float8, float8) IS
'A BG/NBD model with the given parameters';

CREATE FUNCTION clientele.bgnbd_loglik(model clientele.bgnbd_model, x float8, t_x float8, t_cal float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_bgnbd_loglik' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.bgnbd_loglik(clientele.bgnbd_model, float8, float8, float8) IS
'The BG/NBD log-likelihood of one customer (x, t_x, T)';

CREATE FUNCTION clientele.p_alive(model clientele.bgnbd_model, x float8, t_x float8, t_cal float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.p_alive(clientele.bgnbd_model, float8, float8, float8) IS
'Probability that a customer with x repeat purchases, the last at t_x, observed for T, is still active';

CREATE FUNCTION clientele.expected_purchases(model clientele.bgnbd_model, t float8,
    x float8, t_x float8, t_cal float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.expected_purchases(clientele.bgnbd_model, float8, float8, float8, float8) IS
'Purchases a customer (x, t_x, T) is expected to make in the next t';

CREATE FUNCTION clientele.expected_purchases(model clientele.bgnbd_model, t float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_expected_purchases_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.expected_purchases(clientele.bgnbd_model, float8) IS
'Repeat purchases a new customer is expected to make in their first t';

CREATE FUNCTION clientele.hyp2f1(a float8, b float8, c float8, z float8) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_hyp2f1' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.hyp2f1(float8, float8, float8, float8) IS
'The Gauss hypergeometric function 2F1(a, b; c; z), z < 1';

-- Gamma-Gamma
CREATE FUNCTION clientele.gammagamma_trans(clientele.clv_rows, x float8, m_x float8) RETURNS clientele.clv_rows
AS 'MODULE_PATHNAME', 'clientele_gammagamma_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.gammagamma_final(clientele.clv_rows) RETURNS clientele.gammagamma_model
AS 'MODULE_PATHNAME', 'clientele_gammagamma_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE clientele.gammagamma_fit(x float8, m_x float8) (
    SFUNC = clientele.gammagamma_trans,
    STYPE = clientele.clv_rows,
    FINALFUNC = clientele.gammagamma_final,
    COMBINEFUNC = clientele.clv_rows_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.gammagamma_fit(float8, float8) IS
'Maximum-likelihood Gamma-Gamma spend model from one row per customer: x transactions averaging m_x (customers with x = 0 are skipped)';

CREATE FUNCTION clientele.gammagamma(p float8, q float8, gamma float8) RETURNS clientele.gammagamma_model
AS 'MODULE_PATHNAME', 'clientele_gammagamma' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.gammagamma(float8, float8, float8) IS
'A Gamma-Gamma model with the given parameters';

CREATE FUNCTION clientele.gammagamma_loglik(model clientele.gammagamma_model, x float8, m_x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_gammagamma_loglik' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.gammagamma_loglik(clientele.gammagamma_model, float8, float8) IS
'The Gamma-Gamma log-likelihood of one customer with x > 0 transactions averaging m_x';

CREATE FUNCTION clientele.expected_spend(model clientele.gammagamma_model, x float8, m_x float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_expected_spend' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.expected_spend(clientele.gammagamma_model, float8, float8) IS
'Expected mean spend per transaction of a customer with x transactions averaging m_x (m_x unused, may be NULL, when x = 0)';

CREATE FUNCTION clientele.clv(bgnbd clientele.bgnbd_model, gammagamma clientele.gammagamma_model,
    x float8, t_x float8, t_cal float8, m_x float8,
    months integer DEFAULT 12, monthly_discount float8 DEFAULT 0.01,
    units_per_month float8 DEFAULT 4.348214285714286)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_clv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.clv(clientele.bgnbd_model, clientele.gammagamma_model, float8, float8, float8, float8, integer, float8, float8) IS
'Discounted expected spend of a customer over the next months (monthly discount rate; units_per_month model time units in a month, 4.348 for weeks)';
