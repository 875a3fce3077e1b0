// Runs Porcupine (github.com/anishathalye/porcupine, pinned in go.mod) on kv histories in the EDN
// shape of shared/fixtures/kv, with Porcupine's kv model: one string per key, get/put/append,
// partitioned by key. bench/linearizable-vs-porcupine.ts builds this into a temp dir and
// compares Faultline against it in the same run.
//
// Usage: porcupine-kv [-verbose] [-runs N] [-timeout D] [-max-memory BYTES] FILE...
// Prints one JSON object per file and run: the verdict and the milliseconds spent reading and
// parsing the file and checking it, measured inside this process (start-up excluded, as for
// Faultline).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/anishathalye/porcupine"
)

type kvInput struct {
	op    uint8 // 0 get, 1 put, 2 append
	key   string
	value string
}

type kvOutput struct {
	value string
}

var kvModel = porcupine.Model{
	PartitionEvent: func(history []porcupine.Event) [][]porcupine.Event {
		byKey := make(map[string][]porcupine.Event)
		keyOf := make(map[int]string)
		var order []string
		for _, event := range history {
			key, seen := keyOf[event.Id]
			if event.Kind == porcupine.CallEvent {
				key = event.Value.(kvInput).key
				keyOf[event.Id] = key
			} else if !seen {
				panic("return before call")
			}
			if _, known := byKey[key]; !known {
				order = append(order, key)
			}
			byKey[key] = append(byKey[key], event)
		}
		partitions := make([][]porcupine.Event, 0, len(order))
		for _, key := range order {
			partitions = append(partitions, byKey[key])
		}
		return partitions
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in := input.(kvInput)
		current := state.(string)
		switch in.op {
		case 0:
			return output.(kvOutput).value == current, state
		case 1:
			return true, in.value
		default:
			return true, current + in.value
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

var (
	invokeLine = regexp.MustCompile(`^\{:process (\d+), :type :invoke, :f :(get|put|append), :key "(.*?)", :value (nil|"(.*)")\}$`)
	okLine     = regexp.MustCompile(`^\{:process (\d+), :type :ok, :f :(get|put|append), :key ".*?", :value (nil|"(.*)")\}$`)
)

// parse reads a kv history; an invoke left without a completion returns at the end, as in
// Porcupine's own kv test.
func parse(path string) ([]porcupine.Event, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var events []porcupine.Event
	open := make(map[int]int)
	id := 0
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Text()
		if m := invokeLine.FindStringSubmatch(text); m != nil {
			process, _ := strconv.Atoi(m[1])
			op := map[string]uint8{"get": 0, "put": 1, "append": 2}[m[2]]
			events = append(events, porcupine.Event{ClientId: process, Kind: porcupine.CallEvent, Value: kvInput{op: op, key: m[3], value: m[5]}, Id: id})
			open[process] = id
			id++
		} else if m := okLine.FindStringSubmatch(text); m != nil {
			process, _ := strconv.Atoi(m[1])
			call, ok := open[process]
			if !ok {
				return nil, fmt.Errorf("%s:%d: completion without an open invoke", path, line)
			}
			delete(open, process)
			events = append(events, porcupine.Event{ClientId: process, Kind: porcupine.ReturnEvent, Value: kvOutput{m[4]}, Id: call})
		} else if text != "" {
			return nil, fmt.Errorf("%s:%d: not a kv op line", path, line)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	for process, call := range open {
		events = append(events, porcupine.Event{ClientId: process, Kind: porcupine.ReturnEvent, Value: kvOutput{}, Id: call})
	}
	return events, nil
}

type measurement struct {
	File    string  `json:"file"`
	Verbose bool    `json:"verbose"`
	Result  string  `json:"result"`
	ParseMs float64 `json:"parseMs"`
	CheckMs float64 `json:"checkMs"`
	// CPU time of the whole process (every goroutine, the garbage collector included) while
	// parsing and checking: on a loaded machine the wall clock also counts waiting for a core.
	CPUMs float64 `json:"cpuMs"`
}

func cpuMs() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}

func main() {
	verbose := flag.Bool("verbose", false, "CheckEventsVerbose: also compute partial linearizations for every partition")
	runs := flag.Int("runs", 1, "measurements per file")
	timeout := flag.Duration("timeout", 0, "check timeout (0: none)")
	maxMemory := flag.Uint64("max-memory", 4<<30, "address space limit in bytes: verbose mode can take tens of GB, and this machine is shared; past it the process dies with \"out of memory\"")
	flag.Parse()
	limit := syscall.Rlimit{Cur: *maxMemory, Max: *maxMemory}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &limit); err != nil {
		fmt.Fprintln(os.Stderr, "cannot limit memory:", err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	for _, path := range flag.Args() {
		for run := 0; run < *runs; run++ {
			cpuBefore := cpuMs()
			started := time.Now()
			events, err := parse(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			parsed := time.Now()
			var result porcupine.CheckResult
			if *verbose {
				result, _ = porcupine.CheckEventsVerbose(kvModel, events, *timeout)
			} else {
				result = porcupine.CheckEventsTimeout(kvModel, events, *timeout)
			}
			checked := time.Now()
			out.Encode(measurement{
				File:    path,
				Verbose: *verbose,
				Result:  string(result),
				ParseMs: float64(parsed.Sub(started).Microseconds()) / 1000,
				CheckMs: float64(checked.Sub(parsed).Microseconds()) / 1000,
				CPUMs:   cpuMs() - cpuBefore,
			})
		}
	}
}
