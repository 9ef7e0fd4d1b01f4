// Command sentiment-eval measures internal/listening/sentiment: accuracy and
// macro-F1 on the English UCI "Sentiment Labelled Sentences" (Amazon, IMDB,
// Yelp, 1,000 each, labels 0/1), next to VADER (github.com/jonreiter/govader),
// and on the project's Italian set (positive, neutral, negative).
//
// The English sentences are not in the repository: they ship in the
// test/fixtures directory of the npm package "sentiment". Get them into a
// temporary folder and pass that folder:
//
//	d=$(mktemp -d) && (cd "$d" && npm pack sentiment@5.0.2 && tar xzf sentiment-*.tgz)
//	go run ./scripts/sentiment-eval -fixtures "$d/package/test/fixtures"
//
// Without -fixtures only the Italian figures are printed.
//
// How neutral counts on the two-class English sets: both engines label a
// sentence neutral when |score| < 0.05 (VADER's compound, the usual cut).
// A neutral answer is a wrong answer: accuracy is correct/all, and
// macro-F1 averages the F1 of positive and negative, a neutral answer
// lowering the recall of the sentence's true class. The share of neutral
// answers, and the accuracy on the sentences each engine did decide, are
// printed beside.
//
// The English sets were split into halves: even rows (0, 2, ...) are the
// part the lexicon was allowed to be tuned on by looking at errors, odd
// rows the held-out part; both halves and the whole are printed. The Italian
// set is split the same way into testdata/it_dev.tsv and it_test.tsv.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/jonreiter/govader"

	"github.com/portavoce/portavoce/internal/listening/sentiment"
	"github.com/portavoce/portavoce/internal/listening/sentiment/sentimenteval"
)

func main() {
	fixtures := flag.String("fixtures", "", "test/fixtures directory of the npm package \"sentiment\" (amazon.json, imdb.json, yelp.json)")
	itDir := flag.String("it", "internal/listening/sentiment/testdata", "directory of it_dev.tsv and it_test.tsv")
	errorsOf := flag.String("errors", "", "print the sentences this engine gets wrong: \"ours\" or \"vader\" (only on the tuning halves: en even rows, it_dev)")
	flag.Parse()

	ours := sentiment.New()
	oursLabel := func(t string) string { return ours.Analyze(t).Label }

	if *fixtures != "" {
		vader := govader.NewSentimentIntensityAnalyzer()
		vaderLabel := func(t string) string {
			c := vader.PolarityScores(t).Compound
			switch {
			case c >= 0.05:
				return sentimenteval.Positive
			case c <= -0.05:
				return sentimenteval.Negative
			}
			return sentimenteval.Neutral
		}
		engines := []struct {
			name  string
			label func(string) string
		}{{"ours", oursLabel}, {"VADER", vaderLabel}}

		fmt.Println("## English (UCI Sentiment Labelled Sentences; neutral answers count as wrong)")
		fmt.Println()
		fmt.Println("| set | part | n | engine | accuracy | macro-F1 | neutral | accuracy when decided |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		all := map[string][]sentimenteval.Example{}
		for _, name := range []string{"amazon", "imdb", "yelp"} {
			ex, err := sentimenteval.LoadClassJSON(filepath.Join(*fixtures, name+".json"))
			if err != nil {
				log.Fatal(err)
			}
			dev, held := halves(ex)
			all["whole"] = append(all["whole"], ex...)
			all["tuning (even rows)"] = append(all["tuning (even rows)"], dev...)
			all["held-out (odd rows)"] = append(all["held-out (odd rows)"], held...)
			for _, part := range []struct {
				name string
				ex   []sentimenteval.Example
			}{{"whole", ex}, {"held-out (odd rows)", held}} {
				for _, e := range engines {
					row(name, part.name, part.ex, e.name, e.label)
				}
			}
			if *errorsOf != "" {
				for _, e := range engines {
					if strings.EqualFold(e.name, *errorsOf) {
						printErrors(name, dev, e.label)
					}
				}
			}
		}
		for _, part := range []string{"whole", "tuning (even rows)", "held-out (odd rows)"} {
			for _, e := range engines {
				row("all three", part, all[part], e.name, e.label)
			}
		}
		fmt.Println()
	}

	fmt.Println("## Italian (project set, three classes)")
	fmt.Println()
	for _, f := range []string{"it_dev.tsv", "it_test.tsv"} {
		ex, err := sentimenteval.LoadTSV(filepath.Join(*itDir, f))
		if err != nil {
			log.Fatal(err)
		}
		m := sentimenteval.Score(ex, oursLabel)
		part := "development part (tuned on)"
		if f == "it_test.tsv" {
			part = "held-out part"
		}
		fmt.Printf("%s, %s: n=%d accuracy %.3f macro-F1 %.3f\n\n", f, part, m.Total(), m.Accuracy(), m.MacroF1())
		fmt.Println("```")
		fmt.Print(m)
		for _, c := range sentimenteval.Labels {
			p, r, f1 := m.F1(c)
			fmt.Printf("%-9s precision %.3f recall %.3f F1 %.3f\n", c, p, r, f1)
		}
		fmt.Println("```")
		fmt.Println()
		if f == "it_dev.tsv" && strings.EqualFold(*errorsOf, "ours") {
			printErrors(f, ex, oursLabel)
		}
	}
}

// halves splits a set into its even and odd rows.
func halves(ex []sentimenteval.Example) (even, odd []sentimenteval.Example) {
	for i, e := range ex {
		if i%2 == 0 {
			even = append(even, e)
		} else {
			odd = append(odd, e)
		}
	}
	return even, odd
}

func row(set, part string, ex []sentimenteval.Example, engine string, label func(string) string) {
	m := sentimenteval.Score(ex, label)
	neutral, decided, right := 0, 0, 0
	for gold, r := range m {
		for pred, c := range r {
			if pred == sentimenteval.Neutral {
				neutral += c
				continue
			}
			decided += c
			if pred == gold {
				right += c
			}
		}
	}
	fmt.Printf("| %s | %s | %d | %s | %.3f | %.3f | %.1f%% | %.3f |\n", set, part, m.Total(), engine,
		m.Accuracy(), m.MacroF1(), 100*float64(neutral)/float64(m.Total()), float64(right)/float64(max(decided, 1)))
}

func printErrors(name string, ex []sentimenteval.Example, label func(string) string) {
	for _, e := range ex {
		if got := label(e.Text); got != e.Label {
			fmt.Fprintf(os.Stderr, "%s\t%s\t%s\t%s\n", name, e.Label, got, e.Text)
		}
	}
}
