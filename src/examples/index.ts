// The talk's programs, runnable: its producer and its consumer loops, as the
// simulator, the lessons and `npm run example` run them.

export {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, basicProducer, consumeStart,
  EXACTLY_ONCE_CONSUMER_CONFIG, exactlyOnceLoop, MANUAL_STORE_CONFIG, type Process, type Step, TALK_AT_MOST_ONCE_CONFIG, TALK_GROUP,
  TALK_TOPIC, talkAtMostOnceLoop, type TransactionStep,
} from "./talk.ts";
