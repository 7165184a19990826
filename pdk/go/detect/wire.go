package detect

import "encoding/binary"

// The match_* host functions return their findings in this layout, all
// integers little-endian uint32 (pdk/ABI.md, "Matching helpers"):
//
//	group*   where group = path_len path text_len text count (start end kind)*count
//
// start and end are byte offsets into text, the field's string value.

// AppendGroup appends one field's findings in the wire layout.
func AppendGroup(dst, path []byte, text string, spans []Span) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(path)))
	dst = append(dst, path...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(text)))
	dst = append(dst, text...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(spans)))
	for _, sp := range spans {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(sp.Start))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(sp.End))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(sp.Kind))
	}
	return dst
}
