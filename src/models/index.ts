// Public surface of the models area: the built-in codecs (raw, string, json), custom codecs (TypeScript), the model registry
// (JSON Schemas compiled once with ajv), a topic's codecs from its declared types, and decode errors.

export {
  DECODE_ERROR_CODE,
  DecodeError,
  ENCODE_ERROR_CODE,
  EncodeError,
  describeFailure,
  type CheckFailure,
  type DecodeReason,
  type EncodeReason,
  type RecordPart,
  type RecordPosition,
} from './codec-errors.js';
export {
  BYTE_CODEC_NAMES,
  CODEC_NAMES,
  SERIALIZER_NAMES,
  chainCodec,
  formatCodecChain,
  parseCodecChain,
  resolveCodecChain,
  usesCustomCodec,
  type ByteCodecName,
  type ChainProblem,
  type CodecChain,
} from './codec-chain.js';
export {
  customCodecProblem,
  customValueCodec,
  isValueCodec,
  type BytesCodec,
  type CustomCodec,
  type CustomCodecs,
  type ValueCodec,
} from './custom-codec.js';
export { jsonCodec, rawCodec, stringCodec, type Codec, type SerializerName, type ValueCheck } from './codecs.js';
export { ModelRegistry, PRIMITIVE_TYPE_NAMES, isPrimitiveType, type JsonSchema, type PrimitiveTypeName } from './model-registry.js';
export {
  createTopicCodecs,
  decodeRecord,
  defaultSerializer,
  serializerProblem,
  type DecodedRecord,
  type EncodedRecord,
  type TopicCodecOptions,
  type TopicCodecs,
} from './topic-codecs.js';
