// Two agents: one splits sentences into words and sends each to `words`; the other regroups the
// words by themselves (so every occurrence of a word is counted in the same table partition, on
// one worker) and counts them.
import type { Agent, Table } from 'streamd';

export const splitSentences: Agent<string> = async function (stream, { topics }) {
  for await (const sentence of stream) {
    for (const word of sentence.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
      await topics.words!.send(word);
    }
  }
};

export const countWords: Agent<string> = async function (stream, { tables }) {
  const wordCounts = tables.word_counts as Table<string, number>;
  for await (const word of stream.groupBy((w) => w, { name: 'by-word' })) {
    wordCounts.set(word, (await wordCounts.get(word)) + 1);
  }
};
