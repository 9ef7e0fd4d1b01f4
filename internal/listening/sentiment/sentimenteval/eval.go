// Package sentimenteval loads labelled sentences and scores a classifier on
// them: accuracy, per-class precision, recall and F1, macro-F1 and the
// confusion matrix. It is shared by the sentiment package's regression test
// and by scripts/sentiment-eval, so that the figures the test guards and the
// figures the script reports are computed by the same code.
package sentimenteval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// The labels a three-way classifier gives, in the order the confusion matrix
// prints them.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Labels is the order in which Matrix prints rows and columns.
var Labels = []string{Positive, Neutral, Negative}

// Example is one labelled sentence.
type Example struct {
	Text  string
	Label string // Positive, Neutral or Negative
}

// LoadTSV reads a file of "label<TAB>text" lines, label being positive,
// neutral or negative. Blank lines and lines starting with "#" are skipped,
// so a data set can carry its own notes. An unknown label is an error rather
// than a silently dropped line, because a typo would quietly shrink the set.
func LoadTSV(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Example
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no tab between label and text", path, n)
		}
		switch label {
		case Positive, Neutral, Negative:
		default:
			return nil, fmt.Errorf("%s:%d: unknown label %q", path, n, label)
		}
		out = append(out, Example{Text: strings.TrimSpace(text), Label: label})
	}
	return out, sc.Err()
}

// LoadClassJSON reads one of the fixtures of the npm package "sentiment"
// (test/fixtures/amazon.json, imdb.json, yelp.json): a JSON array of
// {"text": ..., "class": 0 or 1}, class 1 meaning positive. These are the
// UCI "Sentiment Labelled Sentences", which have no neutral class.
func LoadClassJSON(path string) ([]Example, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Text  string `json:"text"`
		Class int    `json:"class"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]Example, 0, len(rows))
	for i, r := range rows {
		var label string
		switch r.Class {
		case 1:
			label = Positive
		case 0:
			label = Negative
		default:
			return nil, fmt.Errorf("%s: row %d: class %d is neither 0 nor 1", path, i, r.Class)
		}
		out = append(out, Example{Text: strings.TrimSpace(r.Text), Label: label})
	}
	return out, nil
}

// Matrix is a confusion matrix: Matrix[gold][predicted] counts sentences.
type Matrix map[string]map[string]int

// Add counts one prediction.
func (m Matrix) Add(gold, predicted string) {
	row := m[gold]
	if row == nil {
		row = map[string]int{}
		m[gold] = row
	}
	row[predicted]++
}

// Total is the number of sentences counted.
func (m Matrix) Total() int {
	n := 0
	for _, row := range m {
		for _, c := range row {
			n += c
		}
	}
	return n
}

// Accuracy is the share of sentences whose prediction equals the gold label.
// On a two-class set a "neutral" prediction is therefore always wrong.
func (m Matrix) Accuracy() float64 {
	total := m.Total()
	if total == 0 {
		return 0
	}
	ok := 0
	for gold, row := range m {
		ok += row[gold]
	}
	return float64(ok) / float64(total)
}

// F1 returns precision, recall and F1 of one class. A class never predicted
// has precision 0, as scikit-learn reports it, so that a classifier cannot
// gain by never committing to a class.
func (m Matrix) F1(class string) (precision, recall, f1 float64) {
	tp := m[class][class]
	predicted, gold := 0, 0
	for g, row := range m {
		predicted += row[class]
		if g == class {
			for _, c := range row {
				gold += c
			}
		}
	}
	if predicted > 0 {
		precision = float64(tp) / float64(predicted)
	}
	if gold > 0 {
		recall = float64(tp) / float64(gold)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// MacroF1 is the unweighted mean of the F1 of the gold classes present in
// the matrix: positive and negative on a two-class set (a neutral prediction
// there lowers the recall of the sentence's true class and is not a class of
// its own), all three on a three-class set.
func (m Matrix) MacroF1() float64 {
	var sum float64
	n := 0
	for _, class := range Labels {
		if _, ok := m[class]; !ok {
			continue
		}
		_, _, f1 := m.F1(class)
		sum += f1
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// String prints the matrix with gold labels as rows and predictions as
// columns.
func (m Matrix) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s", "gold \\ pred")
	for _, p := range Labels {
		fmt.Fprintf(&b, "%10s", p)
	}
	b.WriteString("\n")
	for _, g := range Labels {
		if _, ok := m[g]; !ok {
			continue
		}
		fmt.Fprintf(&b, "%-14s", g)
		for _, p := range Labels {
			fmt.Fprintf(&b, "%10d", m[g][p])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Score runs classify on every example and returns the confusion matrix.
func Score(examples []Example, classify func(text string) string) Matrix {
	m := Matrix{}
	for _, e := range examples {
		m.Add(e.Label, classify(e.Text))
	}
	return m
}
