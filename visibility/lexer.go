package visibility

import (
	"strings"
	"unicode/utf8"
)

// tokenKind tells what a token is.
type tokenKind int

const (
	tokEOF    tokenKind = iota // end of the query
	tokWord                    // bare identifier or keyword: WorkflowId, AND, true
	tokName                    // backquoted attribute name; text is without the backquotes
	tokString                  // quoted string; text is the unescaped content
	tokNumber                  // integer or decimal number; text is as written
	tokSymbol                  // one of = != < <= > >= ( ) ,
)

// token is one lexical unit of a query.
type token struct {
	kind tokenKind
	text string
	pos  int // byte offset of the token's first byte in the query
}

// lex splits src into tokens, ending with a tokEOF token.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(src) && strings.IndexByte(" \t\r\n", src[i]) >= 0 {
			i++
		}
		if i == len(src) {
			return append(toks, token{kind: tokEOF, pos: i}), nil
		}
		tok, end, err := lexToken(src, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
		i = end
	}
}

// lexToken reads the token starting at src[start] and returns it with the
// offset just after it.
func lexToken(src string, start int) (token, int, error) {
	c := src[start]
	switch {
	case strings.IndexByte("(),=", c) >= 0:
		return token{kind: tokSymbol, text: src[start : start+1], pos: start}, start + 1, nil
	case c == '<' || c == '>' || c == '!':
		end := start + 1
		if end < len(src) && src[end] == '=' {
			end++
		} else if c == '!' {
			return token{}, 0, syntaxError(src, start, "expected = after !")
		}
		return token{kind: tokSymbol, text: src[start:end], pos: start}, end, nil
	case c == '\'' || c == '"':
		text, end, err := lexString(src, start)
		return token{kind: tokString, text: text, pos: start}, end, err
	case c == '`':
		n := strings.IndexByte(src[start+1:], '`')
		if n < 0 {
			return token{}, 0, syntaxError(src, start, "expected a closing `")
		}
		if n == 0 {
			return token{}, 0, syntaxError(src, start, "expected an attribute name between the backquotes")
		}
		return token{kind: tokName, text: src[start+1 : start+1+n], pos: start}, start + n + 2, nil
	case isDigit(c) || c == '-' && start+1 < len(src) && isDigit(src[start+1]):
		end, err := lexNumber(src, start)
		if err != nil {
			return token{}, 0, err
		}
		return token{kind: tokNumber, text: src[start:end], pos: start}, end, nil
	case isLetter(c):
		end := start + 1
		for end < len(src) && (isLetter(src[end]) || isDigit(src[end])) {
			end++
		}
		return token{kind: tokWord, text: src[start:end], pos: start}, end, nil
	}
	r, _ := utf8.DecodeRuneInString(src[start:])
	return token{}, 0, syntaxError(src, start, "unexpected character %q", r)
}

// lexString reads the quoted string starting at src[start] and returns its
// unescaped content and the offset just after its closing quote.
func lexString(src string, start int) (string, int, error) {
	q := src[start]
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			i++
			b.WriteByte(src[i])
		case c == q && i+1 < len(src) && src[i+1] == q:
			i++
			b.WriteByte(q)
		case c == q:
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, syntaxError(src, start, "expected a closing %c", q)
}

// lexNumber reads the number starting at src[start], of the form
// -?digits(.digits)?([eE][+-]?digits)?, and returns the offset just after it.
func lexNumber(src string, start int) (int, error) {
	i := start
	if src[i] == '-' {
		i++
	}
	i = skipDigits(src, i)
	if i < len(src) && src[i] == '.' {
		end := skipDigits(src, i+1)
		if end == i+1 {
			return 0, syntaxError(src, start, "expected a digit after the decimal point")
		}
		i = end
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		end := skipDigits(src, i)
		if end == i {
			return 0, syntaxError(src, start, "expected a digit in the exponent")
		}
		i = end
	}
	return i, nil
}

// skipDigits returns the offset of the first non-digit at or after src[i].
func skipDigits(src string, i int) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isLetter reports whether c may start a bare identifier.
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
