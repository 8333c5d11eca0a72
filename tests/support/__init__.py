"""What tests import, as a package (`from tests.support.helpers import event`): rows and files
(helpers), the servers the suite starts (pg15, s3_server, spark_cluster), the comparison of the
two engines (engines), fault checks (faults), prerequisites; bench/ imports some of them too."""
