package visibility

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// checkOrder encodes every pair of values and checks that bytes.Compare of
// the encodings agrees with want, the order of the values, and that no
// encoding of a distinct value is a prefix of another.
func checkOrder[T any](t *testing.T, values []T, encode func(T) Value, want func(a, b T) int) {
	t.Helper()
	keys := make([][]byte, len(values))
	for i, v := range values {
		keys[i] = EncodeKey(encode(v))
	}
	for i := range values {
		for j := range values {
			got := bytes.Compare(keys[i], keys[j])
			require.Equal(t, want(values[i], values[j]), got, "%v vs %v: %x vs %x", values[i], values[j], keys[i], keys[j])
			if got != 0 {
				require.False(t, bytes.HasPrefix(keys[i], keys[j]), "%x has prefix %x", keys[i], keys[j])
			}
		}
	}
}

func TestEncodeKeyInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []int64{math.MinInt64, math.MinInt64 + 1, -256, -1, 0, 1, 255, 256, math.MaxInt64 - 1, math.MaxInt64}
	for range 200 {
		values = append(values, int64(rng.Uint64()), rng.Int64N(1000)-500)
	}
	checkOrder(t, values, IntValue, cmp.Compare[int64])
	require.Equal(t, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, EncodeKey(IntValue(0)))
	require.Equal(t, []byte{0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, EncodeKey(IntValue(-1)))
}

func TestEncodeKeyDouble(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	values := []float64{
		math.Inf(-1), -math.MaxFloat64, -1.5, -1, -math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 1, 1.5, math.MaxFloat64, math.Inf(1),
	}
	for range 200 {
		values = append(values,
			math.Float64frombits(rng.Uint64()), // any bit pattern, NaN included
			rng.NormFloat64()*1e6,
			float64(rng.IntN(10)-5))
	}
	// NaN sorts after everything, +Inf included, and -0 equals +0.
	order := func(a, b float64) int {
		switch {
		case math.IsNaN(a) && math.IsNaN(b):
			return 0
		case math.IsNaN(a):
			return 1
		case math.IsNaN(b):
			return -1
		}
		return cmp.Compare(a, b)
	}
	checkOrder(t, values, DoubleValue, order)
}

func TestEncodeKeyDatetime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	values := []time.Time{
		base, base.Add(1), base.Add(-1), time.Unix(0, 0),
		time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64),
	}
	for range 200 {
		values = append(values, time.Unix(0, int64(rng.Uint64())), base.Add(time.Duration(rng.Int64N(int64(time.Hour)))))
	}
	zone := time.FixedZone("UTC+2", 2*60*60)
	checkOrder(t, values, func(tm time.Time) Value { return DatetimeValue(tm.In(zone)) }, time.Time.Compare)

	// Instants beyond the int64 nanosecond range are clamped, not wrapped.
	before, after := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	require.Equal(t, EncodeKey(DatetimeValue(before)), EncodeKey(DatetimeValue(before.Add(-time.Hour))))
	require.Equal(t, EncodeKey(DatetimeValue(after)), EncodeKey(DatetimeValue(after.Add(time.Hour))))
	require.Equal(t, EncodeKey(DatetimeValue(after)), EncodeKey(DatetimeValue(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))))
}

func randomString(rng *rand.Rand) string {
	const alphabet = "\x00\x01ab\xff"
	b := make([]byte, rng.IntN(5))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func TestEncodeKeyKeyword(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	values := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "ab", "abc", "ab\x00", "ab\x00c", "b", "\xff", "\xff\xff"}
	for range 300 {
		values = append(values, randomString(rng))
	}
	checkOrder(t, values, KeywordValue, strings.Compare)
	checkOrder(t, values, TextValue, strings.Compare)
	require.Equal(t, []byte{'a', 'b', 0, 1}, EncodeKey(KeywordValue("ab")))
	require.Equal(t, []byte{'a', 0, 0xFF, 'b', 0, 1}, EncodeKey(KeywordValue("a\x00b")))
}

func TestEncodeKeyKeywordList(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	values := [][]string{{}, {""}, {"", ""}, {"a"}, {"a", ""}, {"a", "b"}, {"a\x00"}, {"ab"}, {"b"}}
	for range 150 {
		list := make([]string, rng.IntN(3))
		for i := range list {
			list[i] = randomString(rng)
		}
		values = append(values, list)
	}
	checkOrder(t, values, func(l []string) Value { return KeywordListValue(l...) }, slices.Compare[[]string])
}

func TestEncodeKeyBoolAndNull(t *testing.T) {
	checkOrder(t, []bool{false, true}, BoolValue, func(a, b bool) int {
		return cmp.Compare(map[bool]int{false: 0, true: 1}[a], map[bool]int{false: 0, true: 1}[b])
	})
	require.Equal(t, []byte{0}, EncodeKey(BoolValue(false)))
	require.Equal(t, []byte{1}, EncodeKey(BoolValue(true)))
	require.Nil(t, EncodeKey(Value{}))
}
