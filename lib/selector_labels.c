/* selector_labels: the label selector parser. Grammar, token rules and
 * every error message follow k8s.io/apimachinery v0.20
 * pkg/labels/selector.go (Lexer, Parser, NewRequirement), so clients get
 * upstream's 400 texts. URL-decoding is the caller's job.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "selector_int.h"
#include "selector_valid.h"

/* ---- label selector lexer (upstream Lexer) ---- */

enum sel_tok {
	TOK_EOS,
	TOK_ID,
	TOK_OPEN,
	TOK_CLOSE,
	TOK_COMMA,
	TOK_NOT,
	TOK_EQ,
	TOK_DEQ,
	TOK_NEQ,
	TOK_GT,
	TOK_LT,
	TOK_IN,
	TOK_NOTIN,
};

struct sel_token {
	enum sel_tok tok;
	const char *lit; /* points into the selector string */
	size_t len;
};

/* Upstream parser contexts: in Values, the keywords in/notin are identifiers. */
enum sel_ctx { CTX_KEY_OP, CTX_VALUES };

struct sel_parser {
	struct sel_token *t;
	size_t n, pos;
	char *err;
	size_t errlen;
};

static int sel_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int sel_is_special(char c)
{
	return c && strchr("=!(),><", c) != NULL;
}

/* Split s into tokens; the array always ends with TOK_EOS. */
static int sel_lex(const char *s, struct sel_parser *p)
{
	size_t cap = strlen(s) + 1, i = 0;

	p->t = calloc(cap, sizeof(*p->t));
	if (!p->t)
		return -ENOMEM;
	for (;;) {
		struct sel_token *t = &p->t[p->n++];

		while (sel_is_space(s[i]))
			i++;
		t->lit = s + i;
		if (!s[i]) {
			t->tok = TOK_EOS;
			return 0;
		}
		if (sel_is_special(s[i])) {
			/* Longest known symbol: "==" and "!=" are the only two-char ones. */
			char c = s[i], d = s[i + 1];

			t->len = 1;
			if ((c == '=' || c == '!') && d == '=')
				t->len = 2;
			switch (c) {
			case '=':
				t->tok = t->len == 2 ? TOK_DEQ : TOK_EQ;
				break;
			case '!':
				t->tok = t->len == 2 ? TOK_NEQ : TOK_NOT;
				break;
			case '(':
				t->tok = TOK_OPEN;
				break;
			case ')':
				t->tok = TOK_CLOSE;
				break;
			case ',':
				t->tok = TOK_COMMA;
				break;
			case '>':
				t->tok = TOK_GT;
				break;
			default:
				t->tok = TOK_LT;
				break;
			}
			i += t->len;
			continue;
		}
		while (s[i] && !sel_is_special(s[i]) && !sel_is_space(s[i]))
			i++;
		t->len = (size_t)(s + i - t->lit);
		t->tok = TOK_ID;
		if (t->len == 2 && !strncmp(t->lit, "in", 2))
			t->tok = TOK_IN;
		else if (t->len == 5 && !strncmp(t->lit, "notin", 5))
			t->tok = TOK_NOTIN;
	}
}

static enum sel_tok sel_peek(struct sel_parser *p, enum sel_ctx ctx, const struct sel_token **lit)
{
	const struct sel_token *t = &p->t[p->pos];

	if (lit)
		*lit = t;
	if (ctx == CTX_VALUES && (t->tok == TOK_IN || t->tok == TOK_NOTIN))
		return TOK_ID;
	return t->tok;
}

static enum sel_tok sel_next(struct sel_parser *p, enum sel_ctx ctx, const struct sel_token **lit)
{
	enum sel_tok tok = sel_peek(p, ctx, lit);

	/* The final TOK_EOS is sticky, like upstream's consume(). */
	if (p->pos + 1 < p->n)
		p->pos++;
	return tok;
}

/* "found '<literal>', <rest>" */
static int sel_found(struct sel_parser *p, const char *pre, const struct sel_token *t,
		     const char *rest)
{
	snprintf(p->err, p->errlen, "%sfound '%.*s'%s", pre, (int)t->len, t->lit, rest);
	return -EINVAL;
}

/* ---- label selector parser (upstream Parser) ---- */

static int sel_check_key(struct sel_parser *p, const struct sel_token *t)
{
	char key[512], msg[2048], q[600] = "";

	snprintf(key, sizeof(key), "%.*s", (int)t->len, t->lit);
	if (sel_valid_label_key(key, msg, sizeof(msg)) == 0)
		return 0;
	sel_quote(q, sizeof(q), key);
	snprintf(p->err, p->errlen, "unable to parse requirement: invalid label key %s: %s", q,
		 msg);
	return -EINVAL;
}

/* parseValues: "(" [ident {"," ident}] ")" with upstream's handling of
 * empty members: "()" "(,a)" "(a,)" and "(a,,b)" all add "". */
static int sel_parse_set(struct sel_parser *p, struct sel_req *r)
{
	const struct sel_token *t, *first;
	enum sel_tok tok;

	if (sel_next(p, CTX_VALUES, &t) != TOK_OPEN)
		return sel_found(p, "unable to parse requirement: ", t, " expected: '('");
	tok = sel_peek(p, CTX_VALUES, &first);
	if (tok == TOK_CLOSE) {
		sel_next(p, CTX_VALUES, NULL);
		return sel_req_add_val(r, "", 0);
	}
	if (tok != TOK_ID && tok != TOK_COMMA)
		return sel_found(p, "unable to parse requirement: ", first,
				 ", expected: ',', ')' or identifier");
	for (;;) {
		tok = sel_next(p, CTX_VALUES, &t);
		if (tok == TOK_ID) {
			const struct sel_token *t2;
			enum sel_tok tok2 = sel_peek(p, CTX_VALUES, &t2);

			if (sel_req_add_val(r, t->lit, t->len))
				return -ENOMEM;
			if (tok2 == TOK_COMMA)
				continue;
			if (tok2 == TOK_CLOSE)
				break;
			return sel_found(p, "unable to parse requirement: ", t2,
					 ", expected: ',' or ')'");
		} else if (tok == TOK_COMMA) {
			enum sel_tok tok2 = sel_peek(p, CTX_VALUES, NULL);

			if (r->nvals == 0 && sel_req_add_val(r, "", 0))
				return -ENOMEM;
			if (tok2 == TOK_CLOSE) {
				if (sel_req_add_val(r, "", 0))
					return -ENOMEM;
				break;
			}
			if (tok2 == TOK_COMMA) {
				sel_next(p, CTX_VALUES, NULL);
				if (sel_req_add_val(r, "", 0))
					return -ENOMEM;
			}
		} else {
			return sel_found(p, "unable to parse requirement: ", t,
					 ", expected: ',', or identifier");
		}
	}
	/* Upstream reports the token seen before the list here, not the bad one. */
	if (sel_next(p, CTX_VALUES, NULL) != TOK_CLOSE)
		return sel_found(p, "unable to parse requirement: ", first, ", expected: ')'");
	return 0;
}

/* parseExactValue: nothing (= ""), or one identifier. */
static int sel_parse_exact(struct sel_parser *p, struct sel_req *r)
{
	const struct sel_token *t;
	enum sel_tok tok = sel_peek(p, CTX_VALUES, &t);

	if (tok == TOK_EOS || tok == TOK_COMMA)
		return sel_req_add_val(r, "", 0);
	if (sel_next(p, CTX_VALUES, &t) != TOK_ID)
		return sel_found(p, "unable to parse requirement: ", t, ", expected: identifier");
	return sel_req_add_val(r, t->lit, t->len);
}

/* NewRequirement's value checks. */
static int sel_check_values(struct sel_parser *p, const struct sel_req *r)
{
	char msg[2048], qv[600] = "", qk[600] = "";

	if (r->op == SEL_GT || r->op == SEL_LT) {
		char *end;

		errno = 0;
		(void)strtoll(r->vals[0], &end, 10);
		if (!r->vals[0][0] || *end || errno) {
			snprintf(p->err, p->errlen,
				 "unable to parse requirement: for 'Gt', 'Lt' operators, the value "
				 "must be an integer");
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < r->nvals; i++) {
		if (sel_valid_label_value(r->vals[i], msg, sizeof(msg)) == 0)
			continue;
		sel_quote(qv, sizeof(qv), r->vals[i]);
		sel_quote(qk, sizeof(qk), r->key);
		snprintf(p->err, p->errlen,
			 "unable to parse requirement: invalid label value: %s: at key: %s: %s", qv,
			 qk, msg);
		return -EINVAL;
	}
	return 0;
}

static int sel_parse_req(struct sel_parser *p, struct selector *sel)
{
	const struct sel_token *key, *t;
	enum sel_op op = SEL_EXISTS;
	enum sel_tok tok, next;
	struct sel_req *r;
	int rc;

	/* parseKeyAndInferOperator */
	tok = sel_next(p, CTX_VALUES, &key);
	if (tok == TOK_NOT) {
		op = SEL_NOT_EXISTS;
		tok = sel_next(p, CTX_VALUES, &key);
	}
	if (tok != TOK_ID)
		return sel_found(p, "unable to parse requirement: ", key, ", expected: identifier");
	rc = sel_check_key(p, key);
	if (rc)
		return rc;
	next = sel_peek(p, CTX_VALUES, NULL);
	if (op == SEL_NOT_EXISTS || next == TOK_EOS || next == TOK_COMMA)
		return sel_add(sel, key->lit, key->len, op) ? 0 : -ENOMEM;

	/* parseOperator */
	switch (sel_next(p, CTX_KEY_OP, &t)) {
	case TOK_IN:
		op = SEL_IN;
		break;
	case TOK_NOTIN:
		op = SEL_NOT_IN;
		break;
	case TOK_EQ:
	case TOK_DEQ:
		op = SEL_EQ;
		break;
	case TOK_NEQ:
		op = SEL_NE;
		break;
	case TOK_GT:
		op = SEL_GT;
		break;
	case TOK_LT:
		op = SEL_LT;
		break;
	default:
		/* sic: upstream's message lacks the quote before notin */
		return sel_found(p, "unable to parse requirement: ", t,
				 ", expected: '=', '!=', '==', 'in', notin'");
	}
	r = sel_add(sel, key->lit, key->len, op);
	if (!r)
		return -ENOMEM;
	rc = (op == SEL_IN || op == SEL_NOT_IN) ? sel_parse_set(p, r) : sel_parse_exact(p, r);
	if (rc)
		return rc;
	return sel_check_values(p, r);
}

int sel_parse_labels(const char *s, struct selector **out, char *err, size_t errlen)
{
	struct sel_parser p = {.err = err, .errlen = errlen};
	struct selector *sel = NULL;
	const struct sel_token *t;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!s)
		return 0;
	rc = sel_lex(s, &p);
	if (rc)
		goto out_tokens;
	sel = calloc(1, sizeof(*sel));
	if (!sel) {
		rc = -ENOMEM;
		goto out_tokens;
	}
	for (;;) {
		enum sel_tok tok = sel_peek(&p, CTX_VALUES, &t);

		if (tok == TOK_EOS)
			break;
		if (tok != TOK_ID && tok != TOK_NOT) {
			rc = sel_found(&p, "", t, ", expected: !, identifier, or 'end of string'");
			goto out_sel;
		}
		rc = sel_parse_req(&p, sel);
		if (rc)
			goto out_sel;
		tok = sel_next(&p, CTX_VALUES, &t);
		if (tok == TOK_EOS)
			break;
		if (tok != TOK_COMMA) {
			rc = sel_found(&p, "", t, ", expected: ',' or 'end of string'");
			goto out_sel;
		}
		tok = sel_peek(&p, CTX_VALUES, &t);
		if (tok != TOK_ID && tok != TOK_NOT) {
			rc = sel_found(&p, "", t, ", expected: identifier after ','");
			goto out_sel;
		}
	}
	free(p.t);
	if (sel->n == 0) {
		sel_free(sel);
		return 0;
	}
	*out = sel;
	return 0;
out_sel:
	sel_free(sel);
out_tokens:
	free(p.t);
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	return rc;
}
