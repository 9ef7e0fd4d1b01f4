package sentimenteval

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestMatrix(t *testing.T) {
	m := Matrix{}
	for _, p := range []struct{ gold, pred string }{
		{Positive, Positive}, {Positive, Positive}, {Positive, Neutral},
		{Negative, Negative}, {Negative, Positive},
		{Neutral, Neutral},
	} {
		m.Add(p.gold, p.pred)
	}
	if m.Total() != 6 {
		t.Fatalf("Total = %d", m.Total())
	}
	if got := m.Accuracy(); math.Abs(got-4.0/6) > 1e-9 {
		t.Errorf("Accuracy = %v, want 4/6", got)
	}
	// positive: p 2/3, r 2/3; negative: p 1, r 1/2; neutral: p 1/2, r 1.
	p, r, f := m.F1(Positive)
	if math.Abs(p-2.0/3) > 1e-9 || math.Abs(r-2.0/3) > 1e-9 || math.Abs(f-2.0/3) > 1e-9 {
		t.Errorf("F1(positive) = %v %v %v", p, r, f)
	}
	want := (2.0/3 + 2.0/3 + 2.0/3) / 3 // F1 of negative: 2·1·0.5/1.5; of neutral: 2·0.5·1/1.5
	if got := m.MacroF1(); math.Abs(got-want) > 1e-9 {
		t.Errorf("MacroF1 = %v, want %v", got, want)
	}
}

func TestMacroF1TwoClasses(t *testing.T) {
	// On a two-class set, a neutral answer is wrong and is no class of its
	// own in the average.
	m := Matrix{}
	m.Add(Positive, Positive)
	m.Add(Positive, Neutral)
	m.Add(Negative, Negative)
	m.Add(Negative, Negative)
	_, _, fp := m.F1(Positive) // p 1, r 1/2
	_, _, fn := m.F1(Negative) // p 1, r 1
	if got, want := m.MacroF1(), (fp+fn)/2; math.Abs(got-want) > 1e-9 || math.Abs(fp-2.0/3) > 1e-9 {
		t.Errorf("MacroF1 = %v, want %v (F1 positive %v)", got, want, fp)
	}
	if m.Accuracy() != 0.75 {
		t.Errorf("Accuracy = %v, want 0.75", m.Accuracy())
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tsv")
	os.WriteFile(good, []byte("# note\npositive\tBuono\n\nnegative\tCattivo\nneutral\tAperto\n"), 0o600)
	ex, err := LoadTSV(good)
	if err != nil || len(ex) != 3 || ex[1] != (Example{"Cattivo", Negative}) {
		t.Errorf("LoadTSV = %v, %v", ex, err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("postive\tBuono\n"), 0o600)
	if _, err := LoadTSV(bad); err == nil {
		t.Error("LoadTSV accepted an unknown label")
	}
	js := filepath.Join(dir, "x.json")
	os.WriteFile(js, []byte(`[{"text":"Great.","class":1},{"text":"Bad.","class":0}]`), 0o600)
	ex, err = LoadClassJSON(js)
	if err != nil || len(ex) != 2 || ex[0].Label != Positive || ex[1].Label != Negative {
		t.Errorf("LoadClassJSON = %v, %v", ex, err)
	}
	os.WriteFile(js, []byte(`[{"text":"Hm.","class":2}]`), 0o600)
	if _, err := LoadClassJSON(js); err == nil {
		t.Error("LoadClassJSON accepted class 2")
	}
}
