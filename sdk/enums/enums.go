// Package enums holds the enumerations that Temporal code takes from
// go.temporal.io/api/enums/v1, under the same names, so that code using
// them ports by changing the import path.
package enums

import "github.com/grainflow/grainflow/journal/journalpb"

// ParentClosePolicy is what happens to a running child workflow when its
// parent closes.
type ParentClosePolicy = journalpb.ParentClosePolicy

// The parent close policies. Unspecified means terminate.
const (
	PARENT_CLOSE_POLICY_UNSPECIFIED    = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_UNSPECIFIED
	PARENT_CLOSE_POLICY_TERMINATE      = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_TERMINATE
	PARENT_CLOSE_POLICY_ABANDON        = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_ABANDON
	PARENT_CLOSE_POLICY_REQUEST_CANCEL = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_REQUEST_CANCEL
)

// IndexedValueType is the type of a search attribute.
type IndexedValueType = journalpb.IndexedValueType

// The search attribute types.
const (
	INDEXED_VALUE_TYPE_UNSPECIFIED  = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_UNSPECIFIED
	INDEXED_VALUE_TYPE_TEXT         = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_TEXT
	INDEXED_VALUE_TYPE_KEYWORD      = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD
	INDEXED_VALUE_TYPE_INT          = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_INT
	INDEXED_VALUE_TYPE_DOUBLE       = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DOUBLE
	INDEXED_VALUE_TYPE_BOOL         = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_BOOL
	INDEXED_VALUE_TYPE_DATETIME     = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DATETIME
	INDEXED_VALUE_TYPE_KEYWORD_LIST = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD_LIST
)
