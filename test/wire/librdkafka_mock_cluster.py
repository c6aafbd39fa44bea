# librdkafka's mock cluster (the library kcat uses), driven through its C API with ctypes: prints the cluster's
# bootstrap servers, then takes one command a line on stdin and answers "ok" or "error ...":
#   create <topic> <partitions> <replication factor>
#   leader <topic> <partition> <broker id>      (rd_kafka_mock_partition_set_leader)
#   errors <api key> <error code> [...]          (rd_kafka_mock_push_request_errors: the next requests of that key fail)
# It exits when stdin closes.
import ctypes
import sys

lib = ctypes.CDLL("librdkafka.so.1")
lib.rd_kafka_conf_new.restype = ctypes.c_void_p
lib.rd_kafka_new.restype = ctypes.c_void_p
lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
lib.rd_kafka_mock_partition_set_leader.restype = ctypes.c_int
lib.rd_kafka_mock_partition_set_leader.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
lib.rd_kafka_mock_push_request_errors_array.restype = None
lib.rd_kafka_mock_push_request_errors_array.argtypes = [ctypes.c_void_p, ctypes.c_int16, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]

brokers = int(sys.argv[1]) if len(sys.argv) > 1 else 3
errstr = ctypes.create_string_buffer(512)
rk = lib.rd_kafka_new(0, lib.rd_kafka_conf_new(), errstr, len(errstr))
if not rk:
    sys.exit("rd_kafka_new: " + errstr.value.decode())
cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
if not cluster:
    sys.exit("rd_kafka_mock_cluster_new failed")
print("bootstrap " + lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(), flush=True)

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    try:
        if words[0] == "create":
            err = lib.rd_kafka_mock_topic_create(cluster, words[1].encode(), int(words[2]), int(words[3]))
        elif words[0] == "leader":
            err = lib.rd_kafka_mock_partition_set_leader(cluster, words[1].encode(), int(words[2]), int(words[3]))
        elif words[0] == "errors":
            codes = [int(w) for w in words[2:]]
            lib.rd_kafka_mock_push_request_errors_array(cluster, int(words[1]), len(codes), (ctypes.c_int * len(codes))(*codes))
            err = 0
        else:
            print("error unknown command " + words[0], flush=True)
            continue
        print("ok" if err == 0 else "error %d" % err, flush=True)
    except (IndexError, ValueError) as e:
        print("error " + str(e), flush=True)
